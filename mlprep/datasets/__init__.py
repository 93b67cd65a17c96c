"""Offline datasets behind one registry.

>>> from mlprep import datasets
>>> "shapes-classify" in datasets.available()
True
>>> x, y = datasets.load("digits", split="test")[0]
>>> tuple(x.shape)
(1, 8, 8)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from torch.utils.data import Dataset

from mlprep.datasets.digits import Digits
from mlprep.errors import UsageError

__all__ = ["load", "available", "info", "register", "DatasetInfo", "Digits"]


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    description: str
    splits: tuple[str, ...]
    card: str  # file name under datasets/
    factory: Callable[..., Dataset] = field(repr=False)
    generated: bool = False  # rendered and cached (prepare makes sense)


_REGISTRY: dict[str, DatasetInfo] = {}


def register(name: str, factory: Callable[..., Dataset], *, description: str, splits=("train", "val", "test"),
             card: str = "", generated: bool = False) -> None:
    """Add a dataset to the registry; ``factory(split=..., **options)`` builds it."""
    _REGISTRY[name] = DatasetInfo(name, description, tuple(splits), card or f"{name}.md", factory, generated)


def available() -> list[str]:
    """Registered dataset names."""
    return sorted(_REGISTRY)


def info(name: str) -> DatasetInfo:
    """The registry entry for ``name``; an unknown name lists the valid ones."""
    if name not in _REGISTRY:
        raise UsageError(f"unknown dataset {name!r}; available: {', '.join(available())}")
    return _REGISTRY[name]


def load(name: str, split: str = "train", **options: Any) -> Dataset:
    """Build dataset ``name`` for ``split`` (``train``, ``val`` or ``test``).

    Options go to the dataset (for shapes: ``n``, ``size``, ``difficulty``, ``seed``,
    ``transform``; for shakespeare-chars: ``block_size``, ``stride``; for shakespeare-mentions:
    ``max_words``; for shakespeare-qa: ``n``, ``speeches``, ``max_words``, ``seed``).
    """
    entry = info(name)
    if split not in entry.splits:
        raise UsageError(f"unknown split {split!r} for {name}; valid: {', '.join(entry.splits)}")
    _check_options(name, entry.factory, options)
    try:
        return entry.factory(split=split, **options)
    except TypeError as e:  # a factory taking **options passed a typo further down
        if "unexpected keyword argument" not in str(e):
            raise
        raise UsageError(f"{name}: {e}") from None


def _check_options(name: str, factory: Any, options: dict[str, Any]) -> None:
    """An option the dataset does not take is the user's typo: say which ones it takes."""
    import inspect

    try:
        params = inspect.signature(factory).parameters
    except (TypeError, ValueError):  # no signature to read: let the factory judge
        return
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return
    valid = [p for p, v in params.items() if p != "split" and v.kind is not v.VAR_POSITIONAL]
    unknown = [k for k in options if k not in params or k == "split"]
    if unknown:
        raise UsageError(f"{name} has no option {unknown[0]!r}; its options: {', '.join(valid) or 'none'}")


def card_path(name: str) -> Path | None:
    """The dataset card (Markdown) for ``name`` in a checkout, if there is one."""
    from mlprep.runtime import repo_root

    root = repo_root()
    path = root / "datasets" / info(name).card if root else None
    return path if path is not None and path.is_file() else None


def _register_builtin() -> None:
    from mlprep.datasets import shakespeare as sh
    from mlprep.datasets import shapes

    register("shapes-classify", shapes.ShapesClassify, card="shapes.md", generated=True,
             description="one shape (6 classes) per textured, cluttered image")
    register("shapes-segment", shapes.ShapesSegment, card="shapes.md", generated=True,
             description="1-4 shapes per image with semantic masks (7 classes with background)")
    register("shapes-detect", shapes.ShapesDetect, card="shapes.md", generated=True,
             description="1-4 shapes per image with boxes and instance masks (torchvision format)")
    register("digits", Digits, description="scikit-learn's 8x8 handwritten digits (real images)")
    register("shakespeare-chars", sh.ShakespeareChars, card="shakespeare.md",
             description="character windows of the plays, held-out plays for val/test")
    register("shakespeare-speeches", sh.ShakespeareSpeeches, card="shakespeare.md",
             description="speeches labelled with their play's genre (6 genres)")
    register("shakespeare-words", sh.ShakespeareWords, card="shakespeare.md",
             description="lower-cased word tokens per speech, for word2vec")
    from mlprep.datasets import mentions, qa

    register("shakespeare-mentions", mentions.ShakespeareMentions, card="shakespeare-mentions.md",
             description="speech chunks with BIO tags for person mentions (rule-made labels)")
    register("shakespeare-qa", qa.ShakespeareQA, card="shakespeare-qa.md",
             description="SQuAD 2.0-style questions over scene passages, a third unanswerable")
    from mlprep.datasets import translation_dates, wiki

    register("wiki-excerpt", wiki.WikiExcerpt, splits=("train",), card="wiki-excerpt.md",
             description="Wikipedia paragraphs from gensim's test data as token lists, for word2vec")
    register("translation-dates", translation_dates.TranslationDates, card="translation-dates.md", generated=True,
             description="English -> German dates and clock times in words (babel CLDR names, num2words)")


_register_builtin()
