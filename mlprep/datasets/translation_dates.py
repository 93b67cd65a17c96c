"""English -> German translation pairs, generated offline from real-language renderings.

``translation-dates`` holds dates and clock times written out in words: English on the
source side, German on the target side. Month and weekday names come from the CLDR data in
``babel``; numbers, ordinals and years from ``num2words``; the templates add German's case
endings ("am Dienstag, dem einundzwanzigsten", dative after "am") and its word orders
("siebenundachtzig", seven-and-eighty; "halb acht", half *to* eight, for 7:30). Nothing is
downloaded; the pairs are generated once and cached (checksummed) under ``MLPREP_DATA``.

Every pair comes from a *source value*: a date, a (weekday, day, month), a (weekday, day) or a
clock time, depending on the template. Values are split by a hash into train / val / test, so
no value, and so no source sentence, is in two splits.

>>> render("on_date_year", datetime.date(2003, 3, 21))
('on Friday, the twenty-first of March two thousand and three', 'am Freitag, dem einundzwanzigsten März zweitausenddrei')
>>> render("time", (7, "half"))
('at half past seven', 'um halb acht')
>>> ds = TranslationDates("test")
>>> ds.sources[0] in set(TranslationDates("train").sources)
False
"""

from __future__ import annotations

import datetime
import functools
import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from mlprep.errors import MlprepError

__all__ = ["TEMPLATES", "SPLIT_SIZES", "render", "split_of", "generate", "SubwordVocab", "vocabularies", "TranslationDates",
           "pad_batch"]

# Template name -> (English, German), filled by render(). Weights make the short templates common
# enough that the shortest length bucket is well populated.
TEMPLATES = {
    "time": ("at {time_en}", "um {time_de}"),
    "day_month": ("the {ord_en} of {month_en}", "der {ord_de} {month_de}"),
    "weekday_day": ("{wd_en}, the {ord_en}", "{wd_de}, der {ord_de}"),
    "on_weekday_day": ("on {wd_en}, the {ord_en}", "am {wd_de}, dem {ord_de}n"),
    "date": ("{wd_en}, the {ord_en} of {month_en}", "{wd_de}, der {ord_de} {month_de}"),
    "on_date": ("on {wd_en}, the {ord_en} of {month_en}", "am {wd_de}, dem {ord_de}n {month_de}"),
    "date_year": ("{wd_en}, the {ord_en} of {month_en} {year_en}", "{wd_de}, der {ord_de} {month_de} {year_de}"),
    "on_date_year": ("on {wd_en}, the {ord_en} of {month_en} {year_en}",
                     "am {wd_de}, dem {ord_de}n {month_de} {year_de}"),
    "on_date_year_time": ("on {wd_en}, the {ord_en} of {month_en} {year_en} at {time_en}",
                          "am {wd_de}, dem {ord_de}n {month_de} {year_de} um {time_de}"),
}
WEIGHTS = {"time": 0.16, "day_month": 0.12, "weekday_day": 0.08, "on_weekday_day": 0.08, "date": 0.05,
           "on_date": 0.05, "date_year": 0.12, "on_date_year": 0.12, "on_date_year_time": 0.22}
SPLIT_SIZES = {"train": 6000, "val": 500, "test": 500}
VOCAB_SIZES = (250, 400)  # English, German subwords: whole English words; German compounds in pieces
FIRST_DAY, LAST_DAY = datetime.date(1900, 1, 1), datetime.date(2099, 12, 31)
# Minutes past (+) and to (-) the hour; German says 7:25 "five to half eight", 7:35 "five past half eight".
MINUTES = ("oclock", "5", "10", "15", "20", "25", "half", "-25", "-20", "-15", "-10", "-5")
_GENERATOR_VERSION = "v1"  # bump when the templates change, so old caches are not reused


@functools.lru_cache(maxsize=2)
def _names(locale: str) -> tuple[list[str], list[str]]:
    """CLDR month names (January first) and weekday names (Monday first) for ``locale``."""
    from babel.dates import get_day_names, get_month_names

    months = get_month_names("wide", locale=locale)
    days = get_day_names("wide", locale=locale)
    return [months[i] for i in range(1, 13)], [days[i] for i in range(7)]


def _n2w(n: int, lang: str, to: str = "cardinal") -> str:
    try:
        from num2words import num2words
    except ImportError as exc:
        raise MlprepError("translation-dates needs num2words; run: pip install 'num2words>=0.5.13'") from exc
    return num2words(n, lang=lang, to=to)


def _time(hour: int, minute: str) -> tuple[str, str]:
    """English and German clock times: "a quarter to nine" / "Viertel vor neun", "half past
    seven" / "halb acht" (German counts towards the next hour), "one o'clock" / "ein Uhr"."""
    nxt = hour % 12 + 1
    if minute == "oclock":
        return f"{_n2w(hour, 'en')} o'clock", f"{'ein' if hour == 1 else _n2w(hour, 'de')} Uhr"
    if minute == "half":
        return f"half past {_n2w(hour, 'en')}", f"halb {_n2w(nxt, 'de')}"
    m = int(minute)
    target = hour if m > 0 else nxt
    if abs(m) == 25:
        en = f"twenty-five {'past' if m > 0 else 'to'} {_n2w(target, 'en')}"
        return en, f"fünf {'vor' if m > 0 else 'nach'} halb {_n2w(nxt, 'de')}"
    en = "a quarter" if abs(m) == 15 else _n2w(abs(m), "en")
    de = "Viertel" if abs(m) == 15 else _n2w(abs(m), "de")
    return (f"{en} {'past' if m > 0 else 'to'} {_n2w(target, 'en')}",
            f"{de} {'nach' if m > 0 else 'vor'} {_n2w(target, 'de')}")


Value = datetime.date | tuple  # a date; (hour, minute) for "time"; (date, (hour, minute)) with a time


def render(template: str, value: Value) -> tuple[str, str]:
    """The (English, German) pair of ``template`` for ``value``: a date, (hour, minute) for
    ``"time"`` (minute one of :data:`MINUTES`), or (date, (hour, minute)) for a date with a time."""
    en, de = TEMPLATES[template]
    if template == "time":
        time_en, time_de = _time(*value)
        return en.format(time_en=time_en), de.format(time_de=time_de)
    times = {}
    if template.endswith("_time"):
        value, clock = value
        times = dict(zip(("time_en", "time_de"), _time(*clock), strict=True))
    months_en, days_en = _names("en")
    months_de, days_de = _names("de")
    fields = {"wd_en": days_en[value.weekday()], "wd_de": days_de[value.weekday()],
              "ord_en": _n2w(value.day, "en", "ordinal"), "ord_de": _n2w(value.day, "de", "ordinal"),
              "month_en": months_en[value.month - 1], "month_de": months_de[value.month - 1],
              "year_en": _n2w(value.year, "en", "year"), "year_de": _n2w(value.year, "de", "year"), **times}
    return en.format(**fields), de.format(**fields)


def _value_key(template: str, value: Value) -> str:
    """What a source sentence says: the part of the value its template shows (a date with a
    time is keyed by its date, so no date of one split is in another)."""
    if template == "time":
        return f"time|{value[0]}|{value[1]}"
    if template == "day_month":
        return f"day-month|{value.day}|{value.month}"
    if template in ("weekday_day", "on_weekday_day"):
        return f"wd-day|{value.weekday()}|{value.day}"
    if template in ("date", "on_date"):
        return f"wd-day-month|{value.weekday()}|{value.day}|{value.month}"
    date = value[0] if template.endswith("_time") else value
    return f"date|{date.isoformat()}"


def split_of(template: str, value: Value) -> str:
    """``train``, ``val`` or ``test`` (80/10/10) by a hash of the value the source shows, so
    the "on ..." and plain renderings of one value always land in the same split."""
    digest = hashlib.sha256(_value_key(template, value).encode()).digest()
    bucket = digest[0] % 10
    return "test" if bucket == 0 else "val" if bucket == 1 else "train"


def generate(split: str, n: int, seed: int = 0) -> list[tuple[str, str, str]]:
    """``n`` (template, English, German) triples of ``split``. Templates are drawn with
    :data:`WEIGHTS`; val and test hold distinct sources (a template whose values run out gives
    way to the others); train may repeat the few short values."""
    rng = np.random.default_rng([seed, ("train", "val", "test").index(split)])
    names = list(WEIGHTS)
    probs = np.array([WEIGHTS[t] for t in names])
    span = (LAST_DAY - FIRST_DAY).days + 1
    out: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    exhausted: dict[str, int] = {}
    while len(out) < n:
        template = names[rng.choice(len(names), p=probs / probs.sum())]
        if template == "time":
            value = (int(rng.integers(1, 13)), MINUTES[int(rng.integers(len(MINUTES)))])
        else:
            value = FIRST_DAY + datetime.timedelta(days=int(rng.integers(span)))
            if template.endswith("_time"):
                value = (value, (int(rng.integers(1, 13)), MINUTES[int(rng.integers(len(MINUTES)))]))
        if split_of(template, value) != split:
            continue
        en, de = render(template, value)
        if split != "train" and en in seen:
            exhausted[template] = exhausted.get(template, 0) + 1
            if exhausted[template] > 200:  # every value of this template is already in
                probs[names.index(template)] = 0.0
            continue
        seen.add(en)
        out.append((template, en, de))
    return out


class SubwordVocab:
    """Byte-pair-encoding subwords (Sennrich et al. 2016) <-> ids, trained with Hugging Face
    ``tokenizers``: ``<pad>`` = 0, ``<bos>`` = 1, ``<eos>`` = 2, ``<unk>`` = 3. Words are split
    at spaces (kept as a leading "▁", as SentencePiece does) and at punctuation, then merged into
    the ``vocab_size`` most useful pieces, so a German compound such as "einundzwanzigsten"
    becomes a few reusable pieces. ``decode(encode(s)) == s`` for the texts it was trained on.

    >>> v = SubwordVocab.train(["am Montag, dem ersten Mai", "am Dienstag, dem zweiten Mai"], 60)
    >>> v.decode(v.encode("am Montag, dem zweiten Mai", bos=True, eos=True))
    'am Montag, dem zweiten Mai'
    """

    PAD, BOS, EOS, UNK = 0, 1, 2, 3
    SPECIALS = ("<pad>", "<bos>", "<eos>", "<unk>")

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer
        self.itos = [tokenizer.id_to_token(i) for i in range(tokenizer.get_vocab_size())]

    @classmethod
    def train(cls, texts: Sequence[str], vocab_size: int) -> SubwordVocab:
        from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

        tok = Tokenizer(models.BPE(unk_token="<unk>"))
        tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Metaspace(), pre_tokenizers.Punctuation()])
        tok.decoder = decoders.Metaspace()
        tok.train_from_iterator(texts, trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=list(cls.SPECIALS),
                                                           show_progress=False))
        return cls(tok)

    def __len__(self) -> int:
        return len(self.itos)

    def encode(self, text: str, *, bos: bool = False, eos: bool = False) -> torch.Tensor:
        ids = self.tokenizer.encode(text).ids
        return torch.tensor([self.BOS] * bos + ids + [self.EOS] * eos, dtype=torch.int64)

    def pieces(self, text: str) -> list[str]:
        """The subword strings ``text`` is split into."""
        return self.tokenizer.encode(text).tokens

    def decode(self, ids: Sequence[int] | torch.Tensor) -> str:
        """Text up to the first ``<eos>``, without ``<pad>`` and ``<bos>``."""
        kept = []
        for i in (int(i) for i in ids):
            if i == self.EOS:
                break
            if i not in (self.PAD, self.BOS):
                kept.append(i)
        return self.tokenizer.decode(kept, skip_special_tokens=False) if kept else ""


@functools.lru_cache(maxsize=8)
def _cached_split(split: str, n: int) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    from mlprep.datasets.cache import cached_arrays
    from mlprep.runtime import data_dir

    def build() -> dict[str, np.ndarray]:
        rows = generate(split, n)
        return {name: np.array([r[i] for r in rows], dtype=np.str_) for i, name in enumerate(("template", "en", "de"))}

    arrays = cached_arrays(data_dir() / "translation-dates", f"{split}-{n}-{_GENERATOR_VERSION}", build)
    return tuple(arrays["template"].tolist()), tuple(arrays["en"].tolist()), tuple(arrays["de"].tolist())


@functools.lru_cache(maxsize=1)
def vocabularies() -> tuple[SubwordVocab, SubwordVocab]:
    """The (English, German) subword vocabularies, trained on the default training split only."""
    _, en, de = _cached_split("train", SPLIT_SIZES["train"])
    return SubwordVocab.train(en, VOCAB_SIZES[0]), SubwordVocab.train(de, VOCAB_SIZES[1])


class TranslationDates(Dataset):
    """English -> German pairs of ``split``. Item ``i`` is ``(source ids, target ids)``: int64
    subword ids, the target wrapped in ``<bos>`` ... ``<eos>``. ``.sources``, ``.targets`` and
    ``.templates`` hold the strings; ``.src_vocab`` and ``.tgt_vocab`` encode and decode."""

    def __init__(self, split: str = "train", *, n: int | None = None) -> None:
        if split not in SPLIT_SIZES:
            raise ValueError(f"unknown split {split!r}; valid: {', '.join(SPLIT_SIZES)}")
        self.split = split
        self.templates, self.sources, self.targets = _cached_split(split, int(n or SPLIT_SIZES[split]))
        self.src_vocab, self.tgt_vocab = vocabularies()

    def __len__(self) -> int:
        return len(self.sources)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        return (self.src_vocab.encode(self.sources[index]),
                self.tgt_vocab.encode(self.targets[index], bos=True, eos=True))


def pad_batch(items: Sequence[tuple[torch.Tensor, torch.Tensor]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Collate ``(source, target)`` pairs into two ``<pad>``-padded (B, max length) tensors."""
    pad = torch.nn.utils.rnn.pad_sequence
    src, tgt = zip(*items, strict=True)
    return (pad(list(src), batch_first=True, padding_value=SubwordVocab.PAD),
            pad(list(tgt), batch_first=True, padding_value=SubwordVocab.PAD))
