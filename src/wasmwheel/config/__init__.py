"""Configuration: the pins (toolchain.toml), the project the user pointed at, its settings."""
