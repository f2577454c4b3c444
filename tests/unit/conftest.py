"""Unit tests never touch the user's real cache."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache_dir = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("WASMWHEEL_CACHE_DIR", str(cache_dir))
    monkeypatch.delenv("WASMWHEEL_ROUTE", raising=False)
    return cache_dir
