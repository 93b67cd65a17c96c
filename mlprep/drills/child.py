"""The child side of :func:`mlprep.drills.runner.check_file`: the process that runs the
candidate's code and nothing else (``python -m mlprep.drills.child NAME FILE WORKDIR MEMORY_MB``).

It imports torch and NumPy, says it is ready (``WORKDIR/ready``: the parent's clock starts),
caps its own address space, imports the candidate's file and calls the function on each input
from ``WORKDIR/inputs.pt``, saving what it returned, or what it raised, to ``WORKDIR/out-<i>.pt``
and which case is running to ``WORKDIR/status.json``. It never builds a reference and never
compares: the parent alone judges.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["run_cases"]


def _write_status(work: Path, **status: Any) -> None:
    tmp = work / "status.json.tmp"
    tmp.write_text(json.dumps(status), encoding="utf-8")
    os.replace(tmp, work / "status.json")  # the parent never reads half a file


def _limit_memory(memory_mb: int) -> None:
    """Cap the address space at what is mapped now (torch included) plus ``memory_mb``."""
    try:
        import resource

        with open("/proc/self/status", encoding="ascii") as f:
            size_kb = next(int(line.split()[1]) for line in f if line.startswith("VmSize:"))
    except (ImportError, OSError, StopIteration, ValueError):
        return  # no /proc (macOS, Windows): no memory limit there
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    soft = size_kb * 1024 + memory_mb * 2**20
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a crash leaves no core file behind


def run_cases(name: str, file: str, workdir: str, memory_mb: int | None = None) -> int:
    """Entry point of the subprocess: run the candidate's function on each input, save the
    outputs. Nothing here compares or decides a verdict. ``memory_mb=None`` (tests calling
    it in their own process) sets no limit and ``chdir``s nowhere."""
    import numpy  # noqa: F401 - imported before the clock starts, like torch
    import torch  # noqa: F401

    from mlprep.drills import transport
    from mlprep.drills.checker import describe_exception

    work = Path(workdir)
    inputs = transport.decode(transport.load(work / "inputs.pt"))
    _write_status(work, running=None, error="")
    (work / "ready").touch()  # the parent's clock starts now
    if memory_mb is not None:
        _limit_memory(memory_mb)
        os.chdir(Path(file).parent)
    sys.path.insert(0, str(Path(file).parent))  # the candidate may import its own helpers
    try:
        spec = importlib.util.spec_from_file_location(f"mlprep_candidate_{name}", file)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except BaseException as e:  # SyntaxError, ImportError, even SystemExit at import time
        line = f" (line {e.lineno})" if isinstance(e, SyntaxError) and e.lineno else ""
        _write_status(work, running=None, error=f"could not import {file}: {type(e).__name__}: {e}{line}")
        return 1
    fn = getattr(module, name, None)
    if not callable(fn):
        defined = sorted(k for k, v in vars(module).items() if callable(v) and not k.startswith("_"))
        what = "no function" if fn is None else f"{type(fn).__name__}, not a function,"
        _write_status(work, running=None,
                      error=f"{file} defines {what} named {name!r} (it defines: {', '.join(defined) or 'nothing'})")
        return 1
    for i, (args, kwargs) in enumerate(inputs):
        _write_status(work, running=i, error="")
        try:
            got = fn(*args, **kwargs)
        except Exception as e:  # the candidate's bug is the report
            record = ["raised", describe_exception(e)]
        else:
            try:
                record = ["returned", transport.encode(got)]
            except Exception as e:  # a type the parent cannot check (a sparse matrix, a generator)
                record = ["unsendable", str(e)]
        transport.save(work / f"out-{i}.pt", record)
    _write_status(work, running=None, error="")
    return 0


if __name__ == "__main__":
    sys.exit(run_cases(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))
