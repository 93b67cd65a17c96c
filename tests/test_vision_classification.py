"""The paper experiments of notebooks 01/02 (mlprep.vision.classification), run on tiny data.

They check the wiring (models, budgets, returned curves); the claims themselves are checked by the
notebooks on the real data, and for other seeds by benchmarks/notebook_seeds.py.
"""

from __future__ import annotations

import torch
from torch.utils.data import TensorDataset

from mlprep.vision import classification
from mlprep.vision.experiments import steps_to_target
from mlprep.vision.models import ResNetMini


def _tiny(n=64, size=16, seed=0):
    g = torch.Generator().manual_seed(seed)
    return TensorDataset(torch.randn(n, 3, size, size, generator=g), torch.randint(0, 6, (n,), generator=g))


def test_relu_vs_tanh_runs_the_same_net_with_each_activation():
    curves = classification.relu_vs_tanh(_tiny(), target=-1.0, max_steps=4, width=4, lr=0.05, batch_size=16,
                                         device="cpu")  # a target never reached
    assert set(curves) == {"relu", "tanh"}
    for history in curves.values():
        assert [row["step"] for row in history.epochs] == [4]  # one evaluation, at the step cap
        assert steps_to_target(history, -1.0) is None


def test_degradation_trains_three_nets_of_one_width_for_the_same_steps():
    runs = classification.degradation(_tiny(), shallow=8, deep=14, width=4, steps=50, batch_size=16, lr=0.05,
                                     device="cpu")
    assert list(runs) == ["plain_shallow", "plain_deep", "resnet_deep"]
    depths = [(m.depth, m.residual) for m, _ in runs.values()]
    assert depths == [(8, False), (14, False), (14, True)]
    assert all(isinstance(m, ResNetMini) for m, _ in runs.values())
    assert all(h.epochs[-1]["step"] == 50 and 0.0 <= h.epochs[-1]["train_error"] <= 1.0 for _, h in runs.values())
