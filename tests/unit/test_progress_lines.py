"""Progress lines are written whole, so threads announcing steps never mix them."""

from __future__ import annotations

import io

import pytest

from wasmwheel import progress


class Writes(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    def write(self, text: str) -> int:
        self.calls.append(text)
        return super().write(text)


def test_each_step_and_info_line_is_one_write(monkeypatch: pytest.MonkeyPatch) -> None:
    err = Writes()
    monkeypatch.setattr("sys.stderr", err)
    progress.step("installing Node")
    progress.info("ready")
    assert err.calls == ["==> installing Node\n", "    ready\n"]
