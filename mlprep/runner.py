"""The old name of :mod:`mlprep.notebook_runner`, kept only because ``benchmarks/``
(``curriculum_time.py``, ``notebook_seeds.py``, ``gpu_run.py``) import ``mlprep.runner``.
Import :mod:`mlprep.notebook_runner` in new code; delete this file once the benchmarks do."""

from mlprep.notebook_runner import (  # noqa: F401
    FAILED,
    MISSED,
    PASSED,
    check_kernel,
    default_notebooks_dir,
    find_notebooks,
    run_notebook,
)
