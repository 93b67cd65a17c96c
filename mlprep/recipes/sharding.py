"""Global batches cut into one piece per process: every sample once per epoch, in total.

``accelerate.prepare`` deals batches out round-robin, one per process, and pads the last
round with samples from the start of the epoch so that every process takes the same number
of steps (DDP needs that). Padding means some samples are seen twice. This sampler avoids
it: it draws a *global* batch, cuts it into ``num_processes`` near-equal pieces and yields
the pieces in process order, so ``accelerate.prepare`` hands piece ``r`` to process ``r``.
Every process takes the same number of steps, each sample is used once per epoch, and the
order depends only on ``(seed, epoch)``: a one-process run sees the same global batches as
an eight-process run, and a resumed run continues exactly where the checkpoint stopped.

>>> sampler = GlobalBatchSampler(10, batch_size=4, num_processes=2, shuffle=False)
>>> list(sampler)
[[0, 1], [2, 3], [4, 5], [6, 7], [8], [9]]
>>> sampler.batches_per_epoch, sampler.global_size(2)
(3, 2)
>>> sampler.position(epoch=0, skip=2); list(sampler)
[[8], [9]]
"""

from __future__ import annotations

from collections.abc import Iterator

import torch

__all__ = ["GlobalBatchSampler", "piece_weight"]


class GlobalBatchSampler:
    """Yields index lists: for each global batch, ``num_processes`` consecutive pieces.

    ``batch_size`` is the global batch size (all processes together). A last global batch
    smaller than ``num_processes`` is merged into the one before it, so no process ever gets
    an empty piece. Call :meth:`position` before iterating to choose the epoch (which
    shuffle) and how many global batches to skip (resuming mid-epoch).

    Not named ``set_epoch`` on purpose: ``accelerate`` calls ``set_epoch`` with its own
    counter, and the epoch here must come from the training step alone.
    """

    def __init__(self, num_samples: int, *, batch_size: int, num_processes: int = 1, shuffle: bool = True,
                 seed: int = 0) -> None:
        if num_samples < num_processes:
            raise ValueError(f"{num_samples} samples cannot be shared by {num_processes} processes")
        if batch_size < num_processes:
            raise ValueError(f"the global batch size ({batch_size}) must be at least the number of "
                             f"processes ({num_processes}); pass a larger --batch-size")
        # Not stored as ``batch_size``: accelerate would take it for the size of every piece.
        self.num_samples, self.global_batch_size, self.num_processes = num_samples, batch_size, num_processes
        self.shuffle, self.seed = shuffle, seed
        self.epoch, self.skip = 0, 0
        sizes = [batch_size] * (num_samples // batch_size)
        remainder = num_samples % batch_size
        if remainder and remainder < num_processes and sizes:
            sizes[-1] += remainder  # too small to share: the last batch gets a little larger
        elif remainder:
            sizes.append(remainder)
        self._sizes = sizes

    @property
    def batches_per_epoch(self) -> int:
        """Optimizer steps in one epoch (global batches)."""
        return len(self._sizes)

    def global_size(self, batch_index: int) -> int:
        """Samples in global batch ``batch_index`` of an epoch (all processes together)."""
        return self._sizes[batch_index]

    def position(self, epoch: int, skip: int = 0) -> None:
        """Iterate epoch ``epoch`` next, starting after its first ``skip`` global batches."""
        self.epoch, self.skip = int(epoch), int(skip)

    def order(self, epoch: int) -> torch.Tensor:
        """(num_samples,) the sample order of ``epoch``: a function of ``(seed, epoch)`` only."""
        if not self.shuffle:
            return torch.arange(self.num_samples)
        generator = torch.Generator().manual_seed(self.seed * 1_000_003 + epoch)
        return torch.randperm(self.num_samples, generator=generator)

    def __iter__(self) -> Iterator[list[int]]:
        order = self.order(self.epoch)
        starts = [0]
        for size in self._sizes:
            starts.append(starts[-1] + size)
        for b in range(self.skip, len(self._sizes)):
            batch = order[starts[b] : starts[b + 1]]
            for piece in torch.tensor_split(batch, self.num_processes):  # sizes differ by at most one
                yield piece.tolist()

    def __len__(self) -> int:
        return (len(self._sizes) - self.skip) * self.num_processes


def piece_weight(piece_size: int, global_size: int, num_processes: int) -> float:
    """Factor for a piece's mean loss so that DDP's average over processes equals the
    mean over the whole global batch: ``piece_size * num_processes / global_size``.

    It is exactly 1.0 when the pieces are equal, the usual case.

    >>> piece_weight(32, 64, 2), piece_weight(3, 5, 2)
    (1.0, 1.2)
    """
    return piece_size * num_processes / global_size
