"""Hostile drill solutions: nothing the candidate's file does can fake a PASS, and the limits
(time from readiness, whole process group, memory, output) hold (issue 23, area 2).

Each ``check_file`` starts a subprocess that imports torch, so the cases are few and each
covers one attack."""

from __future__ import annotations

import io
import json
import os
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from mlprep.cli import main
from mlprep.drills import check, drill_names, get_drill, transport
from mlprep.drills.runner import _Tail, check_file
from mlprep.drills.store import DrillStore

torch.set_num_threads(1)

IOU_SOLUTION = get_drill("iou").solution()


def _file(tmp_path: Path, source: str, name: str = "cand.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return path


@pytest.mark.parametrize("name", drill_names())
def test_every_drill_input_and_reference_output_survives_the_transport(name):
    drill = get_drill(name)
    for case in drill.make_cases(np.random.default_rng(0)):
        args, kwargs = transport.decode(transport.encode([case.args, case.kwargs]))
        assert isinstance(args, (tuple, list)) and isinstance(kwargs, dict)
        out = drill.reference(*args, **kwargs)
        back = transport.decode(transport.encode(out))
        if case.check is None:
            from mlprep.drills.compare import compare

            compare(out, back, atol=0, rtol=0)
            assert type(back) is type(out), (case.name, type(back), type(out))


def test_transport_refuses_code_and_malformed_data(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {tmp_path / 'pwned'}",))

    buffer = io.BytesIO()
    torch.save(["returned", Evil()], buffer)
    (tmp_path / "out.pt").write_bytes(buffer.getvalue())
    with pytest.raises(ValueError, match="unreadable"):
        transport.load(tmp_path / "out.pt")
    assert not (tmp_path / "pwned").exists()
    for bad in (["ndarray", "|O", [1], torch.zeros(8, dtype=torch.uint8), False], ["frob", 1], {"a": 1},
                ["ndarray", "<f8", [4], torch.zeros(8, dtype=torch.uint8), False]):
        with pytest.raises(ValueError):
            transport.decode(bad)
    with pytest.raises(TypeError):
        transport.encode(object())


def test_patching_the_reference_and_the_checker_cannot_pass(tmp_path, monkeypatch):
    monkeypatch.setenv("MLPREP_HOME", str(tmp_path / "home"))
    cheat = _file(tmp_path, """
        import torch, torchvision.ops
        import mlprep.drills.checker as checker, mlprep.drills.compare as cmp
        from mlprep.drills.checker import CaseResult

        torchvision.ops.box_iou = lambda a, b: torch.ones(len(a), len(b))
        checker.compare = cmp.compare = lambda *a, **k: None
        checker._run_case = lambda case, *a, **k: CaseResult(case.name, True)
        checker.judge_case = lambda case, *a, **k: CaseResult(case.name, True)

        def iou(boxes1, boxes2):
            return torch.ones(len(boxes1), len(boxes2))
    """)
    result = check("iou", str(cheat), record=True, quiet=True)
    assert not result and result.first_failure.name == "half overlap"
    assert result.n_passed == 1  # only "identical boxes -> 1", which ones() gets right
    assert DrillStore().attempts("iou")[-1]["passed"] is False


def test_forged_status_and_output_files_then_exit_0_cannot_pass(tmp_path):
    pwned = tmp_path / "pwned"
    cheat = _file(tmp_path, f"""
        import json, os, sys
        from pathlib import Path
        import torch

        class Evil:
            def __reduce__(self):
                return (os.system, ("touch {pwned}",))

        work = Path(sys.argv[3])
        for i in range(40):
            torch.save(["returned", Evil()], work / f"out-{{i}}.pt")
        (work / "status.json").write_text(json.dumps({{"done": True, "running": None, "error": "",
            "result": {{"drill": "iou", "cases": [{{"name": "x", "passed": True}}]}}}}))
        os._exit(0)

        def iou(boxes1, boxes2):
            pass
    """)
    result = check_file("iou", cheat, timeout_s=20)
    assert not result and not pwned.exists()
    assert result.n_passed == 0 and "could not be read back" in result.first_failure.message


def test_early_exit_without_outputs_is_a_crash_not_a_pass(tmp_path):
    cheat = _file(tmp_path, """
        import os
        def iou(boxes1, boxes2):
            os._exit(0)
    """)
    result = check_file("iou", cheat, timeout_s=20)
    assert not result and "crashed (exit code 0) before reporting case 'identical boxes -> 1'" in result.error


def test_the_timeout_kills_processes_that_left_the_group(tmp_path):
    pid_file = tmp_path / "sleep.pid"
    cheat = _file(tmp_path, f"""
        import subprocess, sys
        p = subprocess.Popen(["sleep", "60"], start_new_session=True)  # holds our pipes open
        open({str(pid_file)!r}, "w").write(str(p.pid))

        def iou(boxes1, boxes2):
            while True:
                pass
    """)
    started = time.monotonic()
    result = check_file("iou", cheat, timeout_s=2)
    assert time.monotonic() - started < 30  # was timeout + the sleep's 60 s before
    assert "timed out after 2 s while running case 'identical boxes -> 1'" in result.error
    pid = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0]
        except (OSError, IndexError):
            break  # gone
        if state in "ZX":
            break  # killed, waiting to be reaped
        time.sleep(0.1)
    else:
        pytest.fail(f"sleep {pid} still running")


def test_the_time_limit_starts_after_start_up(tmp_path):
    # Importing torch alone takes longer than this limit on most machines.
    result = check_file("iou", _file(tmp_path, IOU_SOLUTION), timeout_s=1.5)
    assert result, result.report()


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="the memory limit needs /proc")
def test_memory_is_limited(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MLPREP_HOME", str(tmp_path / "home"))
    hog = _file(tmp_path, """
        def iou(boxes1, boxes2):
            blocks = [bytearray(2**30) for _ in range(16)]  # 16 GB
            return len(blocks)
    """)
    result = check_file("iou", hog, timeout_s=30, memory_mb=512)
    assert not result and "MemoryError" in result.first_failure.message
    assert main(["drills", "check", "iou", str(hog), "--memory", "512", "--timeout", "30"]) == 1
    assert "raised MemoryError" in capsys.readouterr().out


def test_captured_output_is_bounded(tmp_path):
    noisy = _file(tmp_path, """
        import sys
        line = "x" * 1023 + "\\n"
        for _ in range(20 * 1024):  # 20 MB
            sys.stdout.write(line)
        print("the last line")
        def iou(boxes1, boxes2):
            return None
    """)
    result = check_file("iou", noisy, timeout_s=60)
    assert not result and "the last line" in result.error
    assert len(result.error) < 5000
    reader_input = io.BytesIO(b"y" * (50 * 2**20) + b"end")
    tail = _Tail(reader_input, keep=1024)
    tail.join()
    assert tail.total == 50 * 2**20 + 3 and len(tail.data) <= 2 * 1024 and tail.text().endswith("end")


def test_stub_wrong_and_right_files_keep_their_verdicts(tmp_path):
    drill = get_drill("iou")
    stub = check_file("iou", _file(tmp_path, drill.stub(), "stub.py"))
    assert not stub and "NotImplementedError" in stub.cases[0].message and not stub.error
    wrong = check_file("iou", _file(tmp_path, IOU_SOLUTION.replace("inter / (", "inter / 2 / ("), "wrong.py"))
    assert not wrong and wrong.first_failure.name == "identical boxes -> 1"
    assert "first failing case: identical boxes -> 1" in wrong.report() and "expected" in wrong.report()
    assert json.loads(json.dumps(wrong.to_dict()))["cases"][0]["passed"] is False
