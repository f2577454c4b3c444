"""The wheel: what is inside it, whether it fits a target, its provenance and its test verdicts."""
