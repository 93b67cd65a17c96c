"""Modern English for word2vec, offline: the Wikipedia excerpt and WordSim353 bundled with gensim.

``wiki-excerpt`` is the shortened English Wikipedia dump in gensim's test data
(``enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2``): 105
articles after dropping redirects and stubs, markup stripped with gensim's
``filter_wiki``, one token list per paragraph (>= 5 tokens), ~451k tokens.
WordSim353 (353 word pairs with mean human similarity 0-10) comes from the same folder.

>>> ds = WikiExcerpt()
>>> len(ds) > 8000, ds[0][:3]
(True, ['anarchism', 'is', 'a'])
>>> len(wordsim353())
353
"""

from __future__ import annotations

import bz2
import functools
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from torch.utils.data import Dataset

from mlprep.datasets.words import words
from mlprep.errors import MlprepError

__all__ = ["WikiExcerpt", "wordsim353", "wordsim_spearman", "gensim_data"]

WIKI_FILE = "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"
MIN_ARTICLE_CHARS = 500  # below this a page is a redirect or a stub
MIN_PARAGRAPH_TOKENS = 5


def gensim_data(name: str) -> Path:
    """Path of a file in gensim's bundled test data; a clear error if gensim is missing."""
    try:
        from gensim.test.utils import datapath
    except ImportError as exc:
        raise MlprepError("this needs gensim's bundled data; run: pip install 'gensim>=4.3'") from exc
    path = Path(datapath(name))
    if not path.is_file():
        raise MlprepError(f"{path} is missing from the gensim install; reinstall: pip install --force-reinstall gensim")
    return path


def _paragraphs() -> list[list[str]]:
    from gensim.corpora.wikicorpus import extract_pages, filter_wiki

    paragraphs: list[list[str]] = []
    with bz2.open(gensim_data(WIKI_FILE)) as handle:
        for _title, text, _page_id in extract_pages(handle):
            if len(text) < MIN_ARTICLE_CHARS or text.lower().startswith("#redirect"):
                continue
            for line in filter_wiki(text).split("\n"):
                tokens = words(line)
                if len(tokens) >= MIN_PARAGRAPH_TOKENS:
                    paragraphs.append(tokens)
    return paragraphs


@functools.lru_cache(maxsize=1)
def _cached_paragraphs() -> tuple[tuple[str, ...], ...]:
    # Parsing takes a few seconds; cache the tokens (checksummed) under MLPREP_DATA.
    from mlprep.datasets.cache import cached_arrays
    from mlprep.runtime import data_dir

    def build() -> dict[str, np.ndarray]:
        paragraphs = _paragraphs()
        flat = [w for p in paragraphs for w in p]
        return {"tokens": np.array(flat, dtype=np.str_), "lengths": np.array([len(p) for p in paragraphs])}

    arrays = cached_arrays(data_dir() / "wiki-excerpt", "paragraphs-v1", build)
    tokens = arrays["tokens"].tolist()
    ends = np.cumsum(arrays["lengths"]).tolist()
    starts = [0, *ends[:-1]]
    return tuple(tuple(tokens[a:b]) for a, b in zip(starts, ends, strict=True))


class WikiExcerpt(Dataset):
    """Token lists, one per Wikipedia paragraph (``.sentences``). There is one split,
    ``train``: embeddings are evaluated on external benchmarks (WordSim353)."""

    def __init__(self, split: str = "train") -> None:
        self.split = split
        self.sentences = [list(p) for p in _cached_paragraphs()]

    def __len__(self) -> int:
        return len(self.sentences)

    def __getitem__(self, index: int) -> list[str]:
        return self.sentences[index]


def wordsim353() -> list[tuple[str, str, float]]:
    """The 353 (word, word, mean human score 0-10) pairs, lower-cased."""
    rows = []
    for line in gensim_data("wordsim353.tsv").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        first, second, score = line.split("\t")
        rows.append((first.lower(), second.lower(), float(score)))
    return rows


def wordsim_spearman(
    vector: Callable[[str], np.ndarray | None], pairs: Sequence[tuple[str, str, float]] | None = None
) -> tuple[float, int]:
    """Spearman correlation between cosine similarity and human scores over the pairs whose
    words both have a vector (``vector(word)`` returns None otherwise); returns (rho, pairs used).

    >>> rng = np.random.default_rng(0); table = {}
    >>> rho, used = wordsim_spearman(lambda w: table.setdefault(w, rng.normal(size=8)))
    >>> used, abs(rho) < 0.2
    (353, True)
    """
    from scipy.stats import spearmanr

    pairs = wordsim353() if pairs is None else pairs
    model_scores, human_scores = [], []
    for first, second, human in pairs:
        a, b = vector(first), vector(second)
        if a is None or b is None:
            continue
        model_scores.append(float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12)))
        human_scores.append(human)
    if len(model_scores) < 3:
        raise MlprepError("fewer than 3 WordSim353 pairs are in the vocabulary; train on a bigger corpus")
    return float(spearmanr(model_scores, human_scores).statistic), len(model_scores)
