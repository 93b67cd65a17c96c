"""mlprep: the library behind the ML-engineer interview curriculum.

>>> import mlprep
>>> mlprep.device("cpu").type
'cpu'
"""

from __future__ import annotations

__version__ = "0.1.0"

from mlprep.runtime import data_dir, device, home_dir, results_dir, seed_everything

__all__ = ["__version__", "device", "seed_everything", "home_dir", "data_dir", "results_dir", "fit", "evaluate",
           "Optim", "Budget", "Compute"]


def __getattr__(name: str):
    # fit/evaluate pull in Accelerate; import it only when asked for.
    if name in {"fit", "evaluate", "History", "Optim", "Budget", "Compute"}:
        from mlprep import train

        return getattr(train, name)
    raise AttributeError(f"module 'mlprep' has no attribute {name!r}")
