import numpy as np
from solution import cross_validate, macro_f1


def test_macro_f1_weighs_each_desk_equally():
    desks = ["comedy", "history", "tragedy"]
    assert macro_f1(desks, desks) == 1.0
    assert macro_f1(desks, ["comedy", "comedy", "tragedy"]) < 0.8  # missing the small desk costs a third


def test_baseline_holds_out_whole_plays():
    texts = np.array(["a b"] * 8, dtype=object)
    labels = np.array(["comedy"] * 6 + ["tragedy"] * 2, dtype=object)
    plays = np.array(list("aabbccdd"))
    score, predicted = cross_validate(texts, labels, plays, None)
    assert set(predicted) == {"comedy"} and 0 < score < 1
