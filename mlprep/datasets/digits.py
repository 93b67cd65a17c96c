"""``digits``: scikit-learn's bundled 8x8 handwritten digits, the curriculum's one set of real
images that needs no download (card: ``datasets/digits.md``).

>>> ds = Digits("val")
>>> len(ds), tuple(ds[0][0].shape), ds.classes[:3]
(359, (1, 8, 8), ('0', '1', '2'))
"""

from __future__ import annotations

import torch
from torch.utils.data import TensorDataset

__all__ = ["Digits"]


class Digits(TensorDataset):
    """scikit-learn's bundled 8x8 handwritten digits (1,797 images, UCI, CC BY 4.0) as
    ``(image (1, 8, 8) float in [0, 1], label)``; a fixed 60/20/20 stratified split."""

    def __init__(self, split: str = "train") -> None:
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split

        bunch = load_digits()
        idx = list(range(len(bunch.target)))
        train, rest = train_test_split(idx, test_size=0.4, random_state=0, stratify=bunch.target)
        val, test = train_test_split(rest, test_size=0.5, random_state=0, stratify=bunch.target[rest])
        chosen = {"train": train, "val": val, "test": test}[split]
        images = torch.tensor(bunch.images[chosen], dtype=torch.float32).unsqueeze(1) / 16.0
        super().__init__(images, torch.tensor(bunch.target[chosen], dtype=torch.int64))
        self.classes = tuple(str(d) for d in range(10))
