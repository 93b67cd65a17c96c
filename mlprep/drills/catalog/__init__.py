"""The drill catalog: one module per drill, each defining ``DRILL``.

>>> "iou" in drill_names()
True
>>> get_drill("iou").topic
'detection'
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Sequence

from mlprep.drills.base import Drill
from mlprep.errors import UsageError

__all__ = ["DRILL_NAMES", "all_drills", "drill_names", "get_drill", "unknown_name"]

# In the order `mlprep drills list` shows them: vision, then core NN, then classic ML, then text.
DRILL_NAMES = (
    "iou",
    "nms",
    "map50",
    "box_coder",
    "mask_iou",
    "conv2d",
    "softmax_cross_entropy",
    "mlp_numpy",
    "batchnorm",
    "layer_norm",
    "dropout",
    "adam_step",
    "attention",
    "lstm_cell",
    "kmeans",
    "logistic_regression",
    "knn",
    "roc_auc",
    "precision_recall_f1",
    "tfidf",
    "bpe_merges",
    "beam_search",
    "top_k_top_p",
    "bio_decode",
    "best_span",
    "label_smoothing",
    "bleu",
)


def drill_names() -> list[str]:
    """Names of every drill, in catalog order."""
    return list(DRILL_NAMES)


def get_drill(name: str) -> Drill:
    """The drill called ``name``; an unknown name is a :class:`UsageError` with suggestions."""
    if name not in DRILL_NAMES:
        raise unknown_name(name, DRILL_NAMES, "drill", "see `mlprep drills list`")
    return importlib.import_module(f"mlprep.drills.catalog.{name}").DRILL


def unknown_name(name: str, names: Sequence[str], what: str, see: str) -> UsageError:
    """The error for an unknown ``name`` of a ``what``, suggesting the closest ``names``."""
    close = difflib.get_close_matches(name, names, n=3)
    hint = f"did you mean {', '.join(close)}? " if close else ""
    return UsageError(f"no {what} named {name!r}; {hint}{see}")


def all_drills() -> list[Drill]:
    """Every drill, in catalog order."""
    return [get_drill(name) for name in DRILL_NAMES]
