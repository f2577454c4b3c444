"""Each route's cache entry is keyed on the pins that route uses, and only those."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

from wasmwheel.config.pins import Target, current_target
from wasmwheel.toolchain import node, pyodide_runtime
from wasmwheel.toolchain.routes import ROUTE_NAMES, make_route
from wasmwheel.toolchain.routes.debian.route import DebianRoute
from wasmwheel.toolchain.routes.exact.route import ExactRoute

# Target fields no route entry is made from, each for a reason: the name is in
# the entry's path; the tag and suffix are checked on each built wheel, never
# cached; Node and the runtime have entries of their own; browsers and Nix
# only drive tests and flake.nix. A new pin must be added to a route's
# `pinned` or here: this list is the decision, written down.
NOT_IN_ANY_ROUTE = {"name", "platform_tag", "ext_suffix", "node", "browsers", "nix"}


def entries(target: Target, cache_dir: Path) -> dict[str, Path]:
    return {name: make_route(name, target, cache_dir).entry for name in ("exact", "debian")}


@pytest.fixture
def target() -> Target:
    return current_target()


def with_emsdk_revision(target: Target) -> Target:
    return dataclasses.replace(target, emsdk=dataclasses.replace(target.emsdk, revision="ab" * 20))


def with_debian_package(target: Target) -> Target:
    packages = target.debian.packages | {"emscripten": "0.0.1-1"}
    return dataclasses.replace(
        target, debian=dataclasses.replace(target.debian, packages=packages)
    )


def test_an_exact_only_pin_leaves_the_debian_entry_alone(target: Target, tmp_path: Path) -> None:
    before, after = entries(target, tmp_path), entries(with_emsdk_revision(target), tmp_path)
    assert after["debian"] == before["debian"]
    assert after["exact"] != before["exact"]


@pytest.mark.parametrize(
    "bump",
    [
        lambda t: dataclasses.replace(t, exact=dataclasses.replace(t.exact, uv="0.0.1")),
        lambda t: dataclasses.replace(t, xbuildenv=dataclasses.replace(t.xbuildenv, sha256="0" * 64)),
    ],
    ids=["uv", "xbuildenv"],
)
def test_other_exact_pins_leave_the_debian_entry_alone(
    target: Target, tmp_path: Path, bump: Callable[[Target], Target]
) -> None:
    before, after = entries(target, tmp_path), entries(bump(target), tmp_path)
    assert after["debian"] == before["debian"]
    assert after["exact"] != before["exact"]


def test_a_debian_pin_changes_only_the_debian_entry(target: Target, tmp_path: Path) -> None:
    before, after = entries(target, tmp_path), entries(with_debian_package(target), tmp_path)
    assert after["debian"] != before["debian"]
    assert after["exact"] == before["exact"]


def test_the_npm_runtime_keys_the_debian_entry_it_is_assembled_from(target: Target,
                                                                   tmp_path: Path) -> None:
    bumped = dataclasses.replace(target, npm=dataclasses.replace(target.npm, version="0.0.1"))
    before, after = entries(target, tmp_path), entries(bumped, tmp_path)
    assert after["debian"] != before["debian"]
    assert after["exact"] == before["exact"]


def test_a_shared_pin_changes_both_entries(target: Target, tmp_path: Path) -> None:
    before = entries(target, tmp_path)
    after = entries(dataclasses.replace(target, pyodide_build="0.0.1"), tmp_path)
    assert after["debian"] != before["debian"]
    assert after["exact"] != before["exact"]


def test_node_and_test_only_pins_change_no_route_entry(target: Target, tmp_path: Path) -> None:
    assert target.browsers is not None
    bumped = dataclasses.replace(
        target,
        node=dataclasses.replace(target.node, version=f"{target.node.major}.0.0"),
        browsers=dataclasses.replace(target.browsers, puppeteer_core="0.0.0"),
    )
    assert entries(bumped, tmp_path) == entries(target, tmp_path)


def test_node_and_the_runtime_have_entries_keyed_by_their_own_pins(target: Target) -> None:
    other_node = dataclasses.replace(target, node=dataclasses.replace(target.node, version="24.0.0"))
    other_npm = dataclasses.replace(target, npm=dataclasses.replace(target.npm, version="0.0.1"))
    assert node.node_dir(other_node) != node.node_dir(target)
    assert node.node_dir(with_emsdk_revision(target)) == node.node_dir(target)
    assert pyodide_runtime.dist_dir(other_npm) != pyodide_runtime.dist_dir(target)
    assert pyodide_runtime.dist_dir(with_debian_package(target)) == pyodide_runtime.dist_dir(target)


def test_every_pin_is_claimed_by_a_route_or_deliberately_by_none(target: Target) -> None:
    claimed = set(DebianRoute.pinned) | set(ExactRoute.pinned)
    fields = {f.name for f in dataclasses.fields(target)}
    assert fields - claimed == NOT_IN_ANY_ROUTE
    assert "system" in ROUTE_NAMES  # the third route keeps nothing in the cache


def test_a_name_that_is_not_a_pin_is_refused(target: Target) -> None:
    with pytest.raises(ValueError, match="not pins of a target: debain"):
        target.pins_hash_of(["debain"])


def test_the_route_key_is_stable_and_short(target: Target, tmp_path: Path) -> None:
    route = make_route("debian", target, tmp_path)
    assert route.pins_key == make_route("debian", current_target(), tmp_path).pins_key
    assert len(route.pins_key) == 16
    assert route.entry.name == f"{target.name}-debian-{route.pins_key}"
