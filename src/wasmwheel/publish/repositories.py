"""Where files go: `pypi`, `testpypi`, a `.pypirc` section, or an index URL.

Only the answer to "is this public PyPI?" matters to the gate (approximate
wheels stay off it); the rest is what to tell twine. Credentials embedded in
a URL are moved out of it, so they never reach a command line or a message.
"""

from __future__ import annotations

import configparser
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from wasmwheel.errors import ConfigError

PUBLIC_NAMES = ("pypi", "testpypi")  # twine knows their upload URLs


@dataclass(frozen=True)
class Repository:
    label: str                      # safe to print: a name, or the URL without credentials
    twine_args: tuple[str, ...]     # `--repository NAME` or `--repository-url URL`
    public_pypi: bool
    env: dict[str, str] = field(default_factory=dict, repr=False)  # TWINE_* from URL userinfo


def is_public_pypi_url(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host == "pypi.org" or host.endswith(".pypi.org")


def default_pypirc() -> Path:
    return Path("~/.pypirc").expanduser()  # where twine looks unless told otherwise


def _pypirc_sections(pypirc: Path) -> dict[str, str]:
    """Section name -> repository URL, for sections that name one."""
    parser = configparser.RawConfigParser()
    try:
        parser.read(pypirc, encoding="utf-8")
    except configparser.Error as exc:
        raise ConfigError(f"{pypirc} is not a valid .pypirc: {exc}") from None
    return {s: parser.get(s, "repository") for s in parser.sections()
            if parser.has_option(s, "repository")}


def _normal(url: str) -> str:
    return url.rstrip("/") + "/"


def resolve(spec: str, pypirc: Path | None = None) -> Repository:
    sections = _pypirc_sections(pypirc or default_pypirc())
    if spec in PUBLIC_NAMES:
        return Repository(spec, ("--repository", spec), public_pypi=True)
    if "://" not in spec:
        if spec in sections:
            return Repository(spec, ("--repository", spec), is_public_pypi_url(sections[spec]))
        raise ConfigError(
            f"unknown repository {spec!r}",
            hint="use pypi, testpypi, an index upload URL, or a section of ~/.pypirc",
        )
    parts = urlsplit(spec)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"not an http(s) index URL: {parts.scheme}://{parts.hostname or ''}")
    netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
    url = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    env = {}
    if parts.username:
        env["TWINE_USERNAME"] = unquote(parts.username)
    if parts.password:
        env["TWINE_PASSWORD"] = unquote(parts.password)
    public = is_public_pypi_url(url)
    # A .pypirc section for this URL supplies its credentials (twine ignores
    # .pypirc when given a bare --repository-url).
    for name, section_url in sections.items():
        if _normal(section_url) == _normal(url) and not env:
            return Repository(url, ("--repository", name), public)
    return Repository(url, ("--repository-url", url), public, env)
