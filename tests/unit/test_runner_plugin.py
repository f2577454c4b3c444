"""The in-Pyodide plugin, exercised with the host's pytest in a subprocess."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from wasmwheel.runner.job import plugin_source

SUITE = '''
import pytest

def test_ok(): pass
def test_bad(): assert 1 == 2
@pytest.fixture
def broken(): raise RuntimeError("fixture broke")
def test_err(broken): pass
@pytest.fixture
def bad_teardown():
    yield
    raise RuntimeError("teardown broke")
def test_teardown(bad_teardown): pass
@pytest.mark.skip(reason="not here")
def test_skip(): pass
@pytest.mark.xfail(reason="known")
def test_xfail(): assert False
@pytest.mark.xfail(reason="lucky", strict=False)
def test_xpass(): pass
'''


def run_plugin(tmp_path: Path, files: dict[str, str], *args: str, timeout: float = 0,
               guards: bool = False) -> dict:
    (tmp_path / "plugin_under_test.py").write_bytes(plugin_source())
    for name, text in files.items():
        (tmp_path / name).write_text(textwrap.dedent(text))
    script = (
        "import json, sys, plugin_under_test as p\n"
        "events = []\n"
        f"out = json.loads(p.run({list(args)!r}, {str(tmp_path)!r}, {timeout}, "
        f"lambda kind, payload: events.append([kind, json.loads(payload)]), {guards}))\n"
        "out['events'] = events\n"
        "sys.__stdout__.write('RESULT' + json.dumps(out))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, check=False)
    return json.loads(done.stdout.rsplit("RESULT", 1)[1])


def test_outcomes_and_exit_code(tmp_path: Path) -> None:
    result = run_plugin(tmp_path, {"test_suite.py": SUITE}, "test_suite.py")
    outcomes = {t["nodeid"].split("::")[1]: (t["outcome"], t["when"]) for t in result["tests"]}
    assert outcomes == {
        "test_ok": ("passed", "call"), "test_bad": ("failed", "call"),
        "test_err": ("error", "setup"), "test_teardown": ("error", "teardown"),
        "test_skip": ("skipped", "setup"), "test_xfail": ("xfailed", "call"),
        "test_xpass": ("xpassed", "call"),
    }
    assert result["exitCode"] == 1
    assert result["counts"] == {"passed": 1, "failed": 1, "error": 2, "skipped": 1,
                                "xfailed": 1, "xpassed": 1, "unsupported": 0}
    bad = next(t for t in result["tests"] if t["nodeid"].endswith("test_bad"))
    assert "assert 1 == 2" in bad["longrepr"]
    kinds = [kind for kind, _ in result["events"]]
    assert kinds.count("start") == kinds.count("end") == 7


def test_all_passing_exits_zero(tmp_path: Path) -> None:
    result = run_plugin(tmp_path, {"test_ok.py": "def test_a(): pass\n"}, "test_ok.py")
    assert result["exitCode"] == 0 and result["counts"]["passed"] == 1


def test_collection_error_is_an_error_entry(tmp_path: Path) -> None:
    result = run_plugin(tmp_path, {"test_broken.py": "import no_such_module_here\n"}, "test_broken.py")
    assert result["exitCode"] == 2
    (entry,) = result["tests"]
    assert entry["outcome"] == "error" and entry["when"] == "collect"
    assert "no_such_module_here" in entry["longrepr"]


def test_check_imports(tmp_path: Path) -> None:
    (tmp_path / "plugin_under_test.py").write_bytes(plugin_source())
    (tmp_path / "goodmod.py").write_text("X = 1\n")
    (tmp_path / "badmod.py").write_text("import no_such_module_here\n")
    script = ("import plugin_under_test as p\n"
              "assert p.check_imports(['goodmod']) is None\n"
              "print(p.check_imports(['goodmod', 'badmod']))\n")
    out = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                         text=True, check=True).stdout
    assert out.startswith("import badmod failed:")
    assert "ModuleNotFoundError: No module named 'no_such_module_here'" in out
    assert "plugin_under_test" not in out  # the traceback starts at the import


HANG = """
import os, signal, time

def test_hangs():
    start = time.monotonic()
    while time.monotonic() - start < 0.3:
        pass
    # what Pyodide's interrupt buffer does when the driver's timer fires
    os.kill(os.getpid(), signal.SIGINT)
    while True:
        pass

def test_next():
    pass
"""


def test_per_test_timeout_fails_only_that_test(tmp_path: Path) -> None:
    result = run_plugin(tmp_path, {"test_hang.py": HANG}, "test_hang.py", timeout=0.2)
    outcomes = {t["nodeid"].split("::")[1]: t["outcome"] for t in result["tests"]}
    assert outcomes == {"test_hangs": "failed", "test_next": "passed"}
    assert "ran longer than 0.2s" in result["tests"][0]["longrepr"]
    assert result["exitCode"] == 1
    start = next(payload for kind, payload in result["events"] if kind == "start")
    assert start == {"nodeid": "test_hang.py::test_hangs", "timeout": 0.2}


# --- what Pyodide lacks: counted as unsupported, not as failures --------------------------

UNSUPPORTED = """
import errno, os, signal, socket, subprocess, threading
import pytest

def test_thread():
    raise RuntimeError("can't start new thread")
def test_process():
    raise OSError(138, "emscripten does not support processes.")
def test_fork():
    raise OSError(errno.ENOSYS, "Function not implemented")
def test_pool():
    raise ModuleNotFoundError("No module named '_multiprocessing'", name="_multiprocessing")
def test_unreachable():
    raise OSError(errno.EHOSTUNREACH, "Host is unreachable")
def test_alarm():
    signal.this_is_not_there
class ClientError(Exception):
    pass
def test_wrapped():
    try:
        raise OSError(errno.EHOSTUNREACH, "Host is unreachable")
    except OSError as exc:
        raise ClientError("request failed") from exc
@pytest.fixture
def server():
    raise RuntimeError("can't start new thread")
def test_in_setup(server):
    pass
def test_real_failure():
    assert 1 == 2
def test_other_runtime_error():
    raise RuntimeError("something else")
def test_listen_is_guarded():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
def test_kill_self_is_guarded():
    os.kill(os.getpid(), signal.SIGUSR1)
"""


def test_what_pyodide_lacks_is_unsupported_not_failed(tmp_path: Path) -> None:
    result = run_plugin(tmp_path, {"test_lacks.py": UNSUPPORTED}, "test_lacks.py", "-rs",
                        guards=True)
    outcomes = {t["nodeid"].split("::")[1]: (t["outcome"], t.get("unsupported"))
                for t in result["tests"]}
    assert outcomes == {
        "test_thread": ("unsupported", "threads"),
        "test_process": ("unsupported", "subprocess"),
        "test_fork": ("unsupported", "system calls"),
        "test_pool": ("unsupported", "subprocess"),
        "test_unreachable": ("unsupported", "sockets"),
        "test_alarm": ("unsupported", "signals"),
        "test_wrapped": ("unsupported", "sockets"),
        "test_in_setup": ("unsupported", "threads"),
        "test_real_failure": ("failed", None),
        "test_other_runtime_error": ("failed", None),
        "test_listen_is_guarded": ("unsupported", "sockets"),
        "test_kill_self_is_guarded": ("unsupported", "signals"),
    }
    assert result["counts"]["unsupported"] == 10 and result["counts"]["failed"] == 2
    assert result["unsupportedKinds"] == {"threads": 2, "subprocess": 2, "system calls": 1,
                                          "sockets": 3, "signals": 2}
    assert result["exitCode"] == 1  # the two real failures
    thread = next(t for t in result["tests"] if t["nodeid"].endswith("::test_thread"))
    assert "unsupported in Pyodide (threads): RuntimeError: can't start new thread" \
        in thread["longrepr"]


def test_only_unsupported_tests_do_not_fail_the_run(tmp_path: Path) -> None:
    suite = "def test_ok(): pass\ndef test_thread():\n    raise RuntimeError(\"can't start new thread\")\n"
    result = run_plugin(tmp_path, {"test_t.py": suite}, "test_t.py")
    assert result["exitCode"] == 0
    assert result["counts"]["passed"] == 1 and result["counts"]["unsupported"] == 1
