"""The CLI contract, part one: every group command without a subcommand prints its help and
exits 2 (a usage error), the same way in every area (``mlprep.cli.add_group``). Part two: the
known escapes, and ``--json`` on list commands. Part three: every command, read from the parser,
given bad input, prints one ``error: ...`` line on stderr and exits 2."""

from __future__ import annotations

import argparse

import pytest

from mlprep import cli


def _groups() -> list[str]:
    """Top-level commands that have subcommands of their own, read from the real parser."""
    top = next(a for a in cli.build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(name for name, parser in top.choices.items()
                  if any(isinstance(a, argparse._SubParsersAction) for a in parser._actions))


def test_every_area_with_subcommands_is_seen() -> None:
    assert {"datasets", "drills", "interviews", "portfolio", "quiz"} <= set(_groups())


@pytest.mark.parametrize("group", _groups())
def test_group_without_subcommand_prints_its_help_and_exits_2(group: str, home, capsys) -> None:
    assert cli.main([group]) == 2
    out, err = capsys.readouterr()
    assert out.startswith(f"usage: mlprep {group} ") and "\n\noptions:\n" in out  # the full help, not one usage line
    assert err == ""


def test_mlprep_alone_prints_its_help_and_exits_2(capsys) -> None:
    assert cli.main([]) == 2
    assert capsys.readouterr().out.startswith("usage: mlprep ")


# Part two: errors a user can cause are one line on stderr and exit 2, never a traceback.
# These were the known escapes (a traceback, or exit 1).
@pytest.mark.parametrize("argv", [
    ["datasets", "prepare", "digits", "--n", "5"],        # an option the dataset does not take
    ["portfolio", "open", "--out", "{tmp}/no-site"],       # open before a build
])
def test_user_errors_are_one_line_and_exit_2(argv, home, tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("MLPREP_RESULTS", str(tmp_path / "results"))
    assert cli.main([a.replace("{tmp}", str(tmp_path)) for a in argv]) == 2
    out, err = capsys.readouterr()
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in out + err


def test_unknown_dataset_option_names_the_valid_ones() -> None:
    from mlprep import datasets
    from mlprep.errors import UsageError

    with pytest.raises(UsageError, match=r"shakespeare-chars has no option 'blocksize'; its options: .*\bblock_size\b"):
        datasets.load("shakespeare-chars", "train", blocksize=32)
    with pytest.raises(UsageError, match=r"shapes-classify: .*unexpected keyword argument 'sizee'"):
        datasets.load("shapes-classify", "train", sizee=32)


def test_a_missing_device_is_a_usage_error_and_still_a_runtime_error(monkeypatch) -> None:
    import torch

    from mlprep import runtime
    from mlprep.errors import UsageError

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(UsageError) as caught:
        runtime.device("cuda")
    assert isinstance(caught.value, RuntimeError) and caught.value.exit_code == 2


def test_doctor_reports_a_missing_device_as_a_bad_row_not_a_traceback(monkeypatch) -> None:
    import torch

    from mlprep import doctor

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setenv("MLPREP_DEVICE", "cuda")
    rows = {what: (ok, detail) for what, ok, detail in doctor.checks()}
    assert rows["device"][0] is False and "CUDA is not available" in rows["device"][1]
    assert doctor._device_name() is None


def test_doctor_without_a_working_torch_says_so(monkeypatch) -> None:
    import builtins

    from mlprep import doctor

    real_import = builtins.__import__

    def broken(name, *args, **kwargs):
        if name == "torch":
            raise ImportError("libtorch_cpu.so: cannot open shared object file")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(doctor, "REQUIRED", ())
    monkeypatch.setattr(builtins, "__import__", broken)
    rows = doctor.checks()
    assert rows[-1][0] == "torch import" and rows[-1][1] is False and "libtorch_cpu.so" in rows[-1][2]


@pytest.mark.parametrize("argv", [["datasets", "list", "--json"], ["drills", "list", "--json"]])
def test_list_commands_take_json(argv, home, capsys) -> None:
    import json

    assert cli.main(argv) == 0
    rows = json.loads(capsys.readouterr().out)
    assert isinstance(rows, list) and rows and all("name" in r or "drill" in r for r in rows)


def test_drills_check_json_says_not_attempted_for_a_stub(home, tmp_path, capsys) -> None:
    import json

    from mlprep.drills import get_drill

    stub = tmp_path / "iou.py"
    stub.write_text(get_drill("iou").stub())
    assert cli.main(["drills", "check", "iou", str(stub), "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "not attempted" and out["passed"] is False and out["drill"] == "iou"


# Part three: every command, discovered from the parser (a new one is covered without editing
# this file), given bad input, answers the same way: exit 2, exactly one line on stderr, which
# starts with "error: ", and no traceback.
def _leaves(parser: argparse.ArgumentParser | None = None, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every runnable command (``("quiz", "show")``, ``("doctor",)``), read from the real parser."""
    parser = parser or cli.build_parser()
    groups = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not groups:
        return [path]
    return [leaf for name, sub in groups[0].choices.items() for leaf in _leaves(sub, (*path, name))]


LEAVES = _leaves()

# Input each command refuses, beyond an unknown option (which every command gets below).
# None: the command takes flags only, so the unknown option is its bad input.
BAD_INPUT: dict[tuple[str, ...], list[str] | None] = {
    ("doctor",): None,
    ("datasets", "list"): None,
    ("datasets", "info"): ["no-such-dataset"],
    ("datasets", "prepare"): ["digits", "--n", "5"],  # an option the dataset does not take
    ("run",): ["99_no_such_notebook", "--notebooks-dir", "{tmp}/empty"],
    ("portfolio", "build"): ["--out", "{tmp}/mine"],  # a folder of the user's own files
    ("portfolio", "open"): ["--out", "{tmp}/no-site"],  # before a build
    ("quiz", "review"): ["--kind", "no-such-kind"],
    ("quiz", "add"): ["--prompt", "What?", "--kind", "no-such-kind"],
    ("quiz", "edit"): ["no-such-question"],
    ("quiz", "show"): ["no-such-question"],
    ("quiz", "list"): ["--difficulty", "Z"],
    ("quiz", "search"): ["resnet", "--topic", "no-such-topic"],
    ("quiz", "stats"): ["--kind", "no-such-kind"],
    ("quiz", "import"): ["{tmp}/no-such-file.yaml"],
    ("quiz", "export"): ["--format", "csv", "--kind", "no-such-kind"],
    ("quiz", "prep"): ["--company", "Acme", "--limit", "many"],
    ("quiz", "validate"): ["{tmp}/no-such-file.yaml"],
    ("interviews", "add"): ["--company", "Acme", "--date", "yesterday"],
    ("interviews", "list"): None,
    ("interviews", "show"): ["no-such-interview"],
    ("interviews", "update"): ["no-such-interview"],
    ("drills", "list"): None,
    ("drills", "start"): ["no-such-drill"],
    ("drills", "check"): ["no-such-drill"],
    ("drills", "show"): ["no-such-drill"],
    ("drills", "solution"): ["no-such-drill"],
    ("takehome", "list"): None,
    ("takehome", "start"): ["no-such-assignment"],
    ("takehome", "status"): ["{tmp}/no-workspace"],
    ("takehome", "grade"): ["{tmp}/no-workspace"],
    ("takehome", "card"): ["no-such-assignment"],
}


def _exit_code(argv: list[str]) -> int:
    try:
        return cli.main(argv)
    except SystemExit as e:  # what the `mlprep` script would exit with
        return e.code if isinstance(e.code, int) else 1


def _assert_one_line_error(code: int, capsys) -> None:
    out, err = capsys.readouterr()
    assert code == 2, (code, out, err)
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert "Traceback" not in out + err


def test_every_command_has_bad_input_listed() -> None:
    assert len(LEAVES) > 25 and ("quiz", "show") in LEAVES and ("doctor",) in LEAVES  # the walk sees them
    assert set(BAD_INPUT) == set(LEAVES), "commands without bad input here: " + \
        ", ".join(" ".join(c) for c in sorted(set(LEAVES) - set(BAD_INPUT)))


@pytest.mark.parametrize("command", LEAVES, ids=" ".join)
def test_an_unknown_option_is_one_line_and_exit_2(command, home, capsys) -> None:
    _assert_one_line_error(_exit_code([*command, "--no-such-option"]), capsys)


@pytest.mark.parametrize("command", [c for c in LEAVES if BAD_INPUT.get(c)], ids=" ".join)
def test_bad_input_is_one_line_and_exit_2(command, home, tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("MLPREP_RESULTS", str(tmp_path / "results"))
    (tmp_path / "empty").mkdir()
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("not a portfolio")
    argv = [*command, *(a.replace("{tmp}", str(tmp_path)) for a in BAD_INPUT[command])]
    _assert_one_line_error(_exit_code(argv), capsys)
