"""The publish gate with two targets: each wheel is judged against its own target, a tag
that contradicts the provenance is refused, and a pre-release ABI stays off PyPI unless
the user says so."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from helpers.wheels import make_wheel
from wasmwheel.config.pins import load_toolchain
from wasmwheel.publish import twine_check
from wasmwheel.publish.gate import GateOptions, Refusal, check_all
from wasmwheel.publish.repositories import resolve
from wasmwheel.wheel import verdicts
from wasmwheel.wheel.provenance import Provenance, stamp_wheel

TOOLCHAIN = load_toolchain()
T314, T315 = TOOLCHAIN.targets["pyodide-314"], TOOLCHAIN.targets["pyodide-315"]
WASM_SO = b"\0asm\x01\0\0\0"


@pytest.fixture(autouse=True)
def quick_twine_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(twine_check, "_run", lambda files: "".join(
        f"Checking {file}: PASSED\n" for file in files))


def exact(target_name: str, **changes: object) -> Provenance:
    """An exact-route provenance (so only the rules under test can refuse)."""
    target = TOOLCHAIN.targets[target_name]
    prov = Provenance(target=target.name, pins_hash=target.pins_hash, route="exact",
                      approximate=False, emscripten=target.emscripten,
                      pinned_emscripten=target.emscripten, pyodide=target.pyodide,
                      platform_tag=target.platform_tag)
    return replace(prov, **changes)  # type: ignore[arg-type]


def built(tmp_path: Path, tag: str, prov: Provenance, cp: str) -> Path:
    so = f"demo/_core.cpython-{cp[2:]}-wasm32-emscripten.so"
    raw = make_wheel(tmp_path / "raw", "demo", "1.0", f"{cp}-{cp}-{tag}",
                     files={"demo/__init__.py": b"", so: WASM_SO})
    (tmp_path / "dist").mkdir(exist_ok=True)
    wheel = stamp_wheel(raw, prov, tmp_path / "dist" / raw.name)
    target = TOOLCHAIN.targets[prov.target]
    verdicts.save(wheel, target.name, target.pins_hash,
                  [verdicts.RuntimeOutcome("node", 0, 3, 0, 0)])
    return wheel


def refusals(files: list[Path], repository: str, **options: bool) -> list[Refusal]:
    # --target is the default (314): a 315 wheel must still be judged as a 315 wheel.
    return check_all(files, resolve(repository), GateOptions(**options), T314)


PRIVATE = "http://127.0.0.1:9/"


def test_each_targets_wheel_passes_with_its_own_tag(tmp_path: Path) -> None:
    w314 = built(tmp_path / "a", T314.platform_tag, exact("pyodide-314"), "cp314")
    w315 = built(tmp_path / "b", T315.platform_tag, exact("pyodide-315"), "cp315")
    assert refusals([w314, w315], PRIVATE) == []


def test_a_tag_contradicting_the_provenance_is_refused(tmp_path: Path) -> None:
    # Stamped as a 314 build, tagged (and named) as a 315 wheel.
    wheel = built(tmp_path, T315.platform_tag, exact("pyodide-314"), "cp315")
    found = refusals([wheel], PRIVATE)
    assert [r.rule for r in found] == ["provenance-tag"]
    assert f"tagged {T315.platform_tag} but its provenance says it was built for pyodide-314" \
        in found[0].reason


def test_a_provenance_naming_another_tag_than_its_target_is_refused(tmp_path: Path) -> None:
    prov = exact("pyodide-315", platform_tag=T314.platform_tag)
    wheel = built(tmp_path, T315.platform_tag, prov, "cp315")
    assert [r.rule for r in refusals([wheel], PRIVATE)] == ["provenance-tag"]


def test_a_prerelease_abi_wheel_is_refused_for_pypi_unless_allowed(tmp_path: Path) -> None:
    wheel = built(tmp_path, T315.platform_tag, exact("pyodide-315"), "cp315")
    found = refusals([wheel], "pypi")
    assert [r.rule for r in found] == ["prerelease-abi"]
    assert "pre-release ABI" in found[0].reason
    assert "--allow-prerelease-abi" in found[0].reason
    assert refusals([wheel], "pypi", allow_prerelease_abi=True) == []
    assert refusals([wheel], PRIVATE) == []  # your own index: your call


def test_a_final_abi_wheel_needs_no_prerelease_flag(tmp_path: Path) -> None:
    wheel = built(tmp_path, T314.platform_tag, exact("pyodide-314"), "cp314")
    assert refusals([wheel], "pypi") == []


def test_an_external_prerelease_wheel_is_judged_by_its_tag(tmp_path: Path) -> None:
    raw = make_wheel(tmp_path, "demo", "1.0", f"cp315-cp315-{T315.platform_tag}",
                     files={"demo/__init__.py": b"",
                            "demo/_core.cpython-315-wasm32-emscripten.so": WASM_SO})
    verdicts.save(raw, T315.name, T315.pins_hash, [verdicts.RuntimeOutcome("node", 0, 3, 0, 0)])
    found = refusals([raw], "pypi", )
    assert "prerelease-abi" in [r.rule for r in found]
    assert "abi" not in [r.rule for r in found]  # not judged against --target's 314
    options = GateOptions(allow_prerelease_abi=True, external_builder="cibuildwheel")
    assert check_all([raw], resolve("pypi"), options, T314) == []


def test_an_approximate_build_of_the_same_release_says_what_differs(tmp_path: Path) -> None:
    prov = exact("pyodide-315", route="debian", approximate=True)
    wheel = built(tmp_path, T315.platform_tag, prov, "cp315")
    (found,) = refusals([wheel], "pypi", allow_prerelease_abi=True)
    assert found.rule == "approximate"
    assert f"its own build of Emscripten {T315.emscripten}, not the pinned toolchain's" \
        in found.reason
