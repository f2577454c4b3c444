"""Fixtures and checks for both tiers.

The tiers: tests/unit is fast (seconds, no root, no network: `pytest -m "not integration"`);
tests/integration provisions the real toolchain and runtimes and carries the `integration`
marker. The marker is what `-m` selects on, so a module in tests/integration without it
would quietly run in the fast tier: collection refuses that (see `pytest_collection_modifyitems`).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from wasmwheel.toolchain import cache

INTEGRATION_DIR = Path(__file__).parent / "integration"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects anything
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Refuse rather than add the marker by directory: each module then says its own tier where
    # a reader sees it, and a contributor who forgot is told which line to add.
    misplaced = []
    for item in items:
        in_integration = INTEGRATION_DIR in item.path.parents
        marked = item.get_closest_marker("integration") is not None
        if in_integration and not marked:
            misplaced.append(f"{item.nodeid}: in tests/integration but not marked; add "
                             "`pytestmark = pytest.mark.integration` to the module")
        elif marked and not in_integration:
            misplaced.append(f"{item.nodeid}: marked integration; move it to tests/integration")
    if misplaced:
        raise pytest.UsageError("tests in the wrong tier:\n  " + "\n  ".join(misplaced))


@pytest.fixture(autouse=True)
def hermetic_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a contributor's shell says must not change a test's outcome."""
    # Loopback servers stand in for every remote in this suite: never send them to a proxy.
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(name, ",".join(filter(None, [*LOOPBACK, os.environ.get(name)])))
    # Upload credentials come from each test, never from this machine's keyring or shell.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    for name in ("TWINE_USERNAME", "TWINE_PASSWORD", "TWINE_REPOSITORY", "TWINE_REPOSITORY_URL"):
        monkeypatch.delenv(name, raising=False)
    # Nix shells and some CI set it; a build's timestamps come from each test.
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


@pytest.fixture
def empty_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty wasmwheel cache ($WASMWHEEL_CACHE_DIR) for this test only."""
    cache_dir = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv(cache.CACHE_ENV, str(cache_dir))
    return cache_dir
