from __future__ import annotations

import subprocess
import sys

from mlprep.cli import main


def test_doctor_exits_zero(tmp_home, capsys):
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "dataset shapes-classify" in out and "all good" in out


def test_doctor_reports_unwritable_directory(tmp_home, monkeypatch, capsys):
    blocker = tmp_home / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("MLPREP_RESULTS", str(blocker / "results"))
    assert main(["doctor"]) == 1
    assert "BAD results dir" in capsys.readouterr().out


def test_datasets_commands(tmp_home, capsys):
    assert main(["datasets", "list"]) == 0
    assert "shakespeare-chars" in capsys.readouterr().out
    assert main(["datasets", "info", "shapes-detect"]) == 0
    assert main(["datasets", "prepare", "shapes-classify", "--n", "5", "--size", "32"]) == 0
    assert "shapes-classify/test: 5 items ready" in capsys.readouterr().out


def test_user_errors_exit_2_without_traceback(tmp_home):
    out = subprocess.run([sys.executable, "-m", "mlprep.cli", "datasets", "info", "imagenet"],
                         capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stderr.startswith("error: unknown dataset 'imagenet'") and "Traceback" not in out.stderr


def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert "usage: mlprep" in capsys.readouterr().out
