"""BERT's masked-LM input recipe (Devlin et al., 2019, section 3.1), from scratch.

Pick 15% of the (non-special) tokens as prediction targets; of those, replace 80% with
``[MASK]``, 10% with a random token and leave 10% unchanged. The random and unchanged
cases stop the model from learning that only ``[MASK]`` positions matter, since
``[MASK]`` never appears when the model is fine-tuned.

>>> import torch
>>> ids = torch.full((4, 1000), 7)
>>> inputs, labels = mask_tokens(ids, mask_token_id=103, vocab_size=30522,
...                              generator=torch.Generator().manual_seed(0))
>>> chosen = labels != -100                         # the prediction targets
>>> 0.13 < float(chosen.float().mean()) < 0.17
True
>>> bool((labels[chosen] == 7).all())               # targets are the original tokens
True
"""

from __future__ import annotations

import torch

__all__ = ["mask_tokens", "IGNORE_INDEX"]

IGNORE_INDEX = -100  # cross_entropy's default ignore_index: no loss at unchosen positions


def mask_tokens(
    input_ids: torch.Tensor,
    *,
    mask_token_id: int,
    vocab_size: int,
    special_mask: torch.Tensor | None = None,
    mlm_probability: float = 0.15,
    mask_fraction: float = 0.8,
    random_fraction: float = 0.1,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return ``(inputs, labels)`` for masked-LM training from ``input_ids`` ``(B, T)``.

    ``labels`` holds the original id at chosen positions and ``IGNORE_INDEX`` elsewhere.
    ``special_mask`` (True at [CLS], [SEP], padding) marks positions never chosen.
    """
    probs = torch.full(input_ids.shape, mlm_probability)
    if special_mask is not None:
        probs.masked_fill_(special_mask.bool(), 0.0)
    chosen = torch.bernoulli(probs, generator=generator).bool()  # (B, T)
    labels = input_ids.masked_fill(~chosen, IGNORE_INDEX)
    inputs = input_ids.clone()
    # One uniform draw per position splits the chosen ones 80/10/10.
    draw = torch.rand(input_ids.shape, generator=generator)
    to_mask = chosen & (draw < mask_fraction)
    to_random = chosen & (draw >= mask_fraction) & (draw < mask_fraction + random_fraction)
    inputs[to_mask] = mask_token_id
    random_ids = torch.randint(vocab_size, input_ids.shape, generator=generator)
    inputs[to_random] = random_ids[to_random]
    return inputs, labels
