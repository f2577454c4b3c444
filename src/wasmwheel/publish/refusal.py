"""A refusal: one file, the rule it broke, and why (one line when printed)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Refusal:
    file: Path
    rule: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file.name}: [{self.rule}] {self.reason}"
