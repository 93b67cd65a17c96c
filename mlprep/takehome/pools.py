"""The source data the assignments draw from, split once into a training pool and a hidden
pool, so no image or speech of a hidden test set ever appears in a learner's data.

>>> images, labels = digit_pool("train")
>>> images.shape[1:], set(labels.tolist()) == set(range(10))
((8, 8), True)
>>> len(digit_pool("train")[0]) + len(digit_pool("hidden")[0])
1797
"""

from __future__ import annotations

import functools

import numpy as np

from mlprep.datasets import shakespeare

POOLS = ("train", "hidden")


def _check(pool: str) -> None:
    if pool not in POOLS:
        raise ValueError(f"unknown pool {pool!r}; valid: {', '.join(POOLS)}")


@functools.lru_cache(maxsize=2)
def digit_pool(pool: str) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled handwritten digits (8x8, values 0..16) of one pool: every third
    image is hidden, the rest are for training."""
    from sklearn.datasets import load_digits

    _check(pool)
    digits = load_digits()
    index = np.arange(len(digits.target))
    keep = index % 3 == 0 if pool == "hidden" else index % 3 != 0
    images = digits.images[keep].astype(np.float32)
    images.setflags(write=False)
    return images, digits.target[keep].astype(np.int64)


def speech_pool(pool: str, min_words: int = 15) -> list[shakespeare.Speech]:
    """Speeches of at least ``min_words`` words: the training plays, or the held-out plays
    (validation and test plays of :mod:`mlprep.datasets.shakespeare`) for the hidden pool."""
    _check(pool)
    splits = ("val", "test") if pool == "hidden" else ("train",)
    return [s for split in splits for s in shakespeare.speeches(split) if len(s.text.split()) >= min_words]
