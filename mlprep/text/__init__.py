"""Text: tokenizers, the character RNN, skip-gram with negative sampling, pretrained loaders.

Submodules are imported on use (``from mlprep.text import pretrained``) so that
``import mlprep.text`` stays cheap and does not pull in ``transformers`` or ``gensim``.
"""

from __future__ import annotations
