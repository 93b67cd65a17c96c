"""For every drill, a plausible wrong solution fails, and the report points at the bug."""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np
import pytest
import torch

from mlprep.drills import drill_names, get_drill, run_checks
from mlprep.drills.catalog import attention as attention_mod
from mlprep.drills.catalog import iou as iou_mod
from mlprep.drills.catalog import map50 as map50_mod
from mlprep.drills.catalog import nms as nms_mod
from mlprep.drills.catalog import top_k_top_p as top_k_top_p_mod

torch.set_num_threads(2)


def iou_plus_one(boxes1, boxes2):  # the old "pixels are inclusive" convention
    def area(b):
        return (b[:, 2] - b[:, 0] + 1) * (b[:, 3] - b[:, 1] + 1)

    wh = (torch.minimum(boxes1[:, None, 2:], boxes2[None, :, 2:])
          - torch.maximum(boxes1[:, None, :2], boxes2[None, :, :2]) + 1).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    return inter / (area(boxes1)[:, None] + area(boxes2)[None, :] - inter)


def nms_unsorted(boxes, scores, iou_threshold):  # forgets to visit boxes by score
    ious = iou_mod.iou(boxes, boxes)
    suppressed = torch.zeros(len(boxes), dtype=torch.bool)
    keep = []
    for i in range(len(boxes)):
        if not suppressed[i]:
            keep.append(i)
            suppressed |= ious[i] > iou_threshold
    return torch.tensor(keep)


def map50_duplicates_count(predictions, targets):  # every detection above 0.5 IoU is a TP
    original = map50_mod.iou  # the helper the map50 statement gives (the iou drill's reference)
    scores = []
    for p, t in zip(predictions, targets, strict=True):
        for box, s in zip(p["boxes"], p["scores"], strict=True):
            hit = len(t["boxes"]) and bool(original(box[None], t["boxes"]).max() >= 0.5)
            scores.append((float(s), hit))
    scores.sort(key=lambda x: -x[0])
    n_gt = sum(len(t["boxes"]) for t in targets)
    tp = np.cumsum([h for _, h in scores])
    precision = tp / np.arange(1, len(scores) + 1)
    return float(np.sum(np.diff(np.concatenate([[0.0], tp / n_gt])) * precision))


def conv2d_flipped(x, weight, bias=None, stride=1, padding=0):  # textbook convolution flips
    out = torch.nn.functional.conv2d(x, weight.flip(-1, -2), bias, stride=stride, padding=padding)
    return out


def softmax_ce_naive(logits, targets):  # no max subtraction
    probs = torch.exp(logits) / torch.exp(logits).sum(dim=1, keepdim=True)
    return probs, -torch.log(probs[torch.arange(len(targets)), targets]).mean()


def mlp_sum_not_mean(X, y, W1, b1, W2, b2):  # forgets to divide the gradient by N
    loss, grads = get_drill("mlp_numpy").reference(X, y, W1, b1, W2, b2)
    return loss, {k: v * len(X) for k, v in grads.items()}


def batchnorm_constant_stats(x, gamma, beta, dout, eps=1e-5):  # treats mean/var as constants
    out, _, dgamma, dbeta = get_drill("batchnorm").reference(x, gamma, beta, dout, eps)
    std = torch.sqrt(x.var(dim=0, unbiased=False) + eps)
    return out, dout * gamma / std, dgamma, dbeta


def layer_norm_unbiased(x, gamma, beta, eps=1e-5):  # torch.var defaults to unbiased
    mean = x.mean(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(x.var(dim=-1, keepdim=True) + eps) * gamma + beta


def dropout_no_rescale(x, p, training=True):
    if not training:
        return x
    return x * (torch.rand_like(x) >= p)


def adam_no_bias_correction(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    return param - lr * m / (torch.sqrt(v) + eps), m, v


def attention_unscaled(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights @ v, weights


def lstm_ifog(x, h, c, W_ih, W_hh, b_ih, b_hh):  # Keras-style gate order i, f, o, g
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, o, g = gates.chunk(4, dim=1)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_new), c_new


def kmeans_one_iteration(X, init_centroids, max_iters=100):
    return get_drill("kmeans").reference(X, init_centroids, 1)


def logistic_sign_error(X, y, lr=0.1, n_steps=100):  # gradient ascent on the loss
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(n_steps):
        with np.errstate(over="ignore"):
            p = 1 / (1 + np.exp(-(X @ w + b)))
        w, b = w + lr * X.T @ (p - y) / len(y), b + lr * float(np.mean(p - y))
    return w, b


def knn_farthest(X_train, y_train, X_test, k):  # sorts distances the wrong way
    d = ((X_test[:, None, :] - X_train[None, :, :]) ** 2).sum(-1)
    nearest = np.argsort(-d, axis=1)[:, :k]
    return np.array([Counter(row).most_common(1)[0][0] for row in y_train[nearest]])


def roc_auc_ignores_ties(y_true, scores):
    pos, neg = scores[y_true == 1], scores[y_true == 0]
    return float((pos[:, None] > neg[None, :]).mean())


def prf_transposed(confusion):  # rows and columns swapped
    p, r, f = get_drill("precision_recall_f1").reference(np.asarray(confusion).T)
    return p, r, f


def tfidf_unsmoothed(docs):
    token_lists = [re.findall(r"(?u)\b\w\w+\b", d.lower()) for d in docs]
    vocab = sorted({t for ts in token_lists for t in ts})
    df = Counter(t for ts in token_lists for t in set(ts))
    m = np.array([[Counter(ts)[t] * (math.log(len(docs) / df[t]) + 1) for t in vocab] for ts in token_lists])
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return vocab, np.divide(m, norms, out=np.zeros_like(m), where=norms > 0)


def bpe_unweighted(word_counts, num_merges):  # ignores how often each word occurs
    return get_drill("bpe_merges").reference(dict.fromkeys(word_counts, 1), num_merges)


def beam_search_greedy(log_probs, beam_width, max_len, bos=0, eos=1):
    seq, score = [bos], 0.0
    for _ in range(max_len):
        t = int(torch.argmax(log_probs[seq[-1]]))
        seq, score = seq + [t], score + float(log_probs[seq[-1], t])
        if t == eos:
            break
    return seq, score


def top_p_excludes_boundary(logits, k=0, p=1.0, temperature=1.0):  # drops the token that crosses p
    logits = logits / temperature
    if k > 0:
        kth = torch.topk(logits, min(k, logits.shape[-1]), dim=-1).values[..., -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if p < 1.0:
        sorted_logits, order = torch.sort(logits, dim=-1, descending=True)
        cumulative = torch.cumsum(torch.softmax(sorted_logits, dim=-1), dim=-1)
        remove_sorted = cumulative > p
        remove_sorted[..., 0] = False
        logits = logits.masked_fill(remove_sorted.scatter(-1, order, remove_sorted), float("-inf"))
    return torch.softmax(logits, dim=-1)


def bio_decode_b_only(tags):  # only B- opens an entity: a stray I- (after O) is dropped
    spans, kind, start = [], None, 0
    for i, tag in enumerate(list(tags) + ["O"]):
        prefix, _, label = tag.partition("-")
        if kind is not None and not (prefix == "I" and label == kind):
            spans.append((kind, start, i - 1))
            kind = None
        if prefix == "B":
            kind, start = label, i
    return spans


def best_span_two_argmaxes(start_logits, end_logits, max_answer_len):  # ignores legality
    return int(start_logits.argmax()), int(end_logits.argmax())


def label_smoothing_over_other_classes(logits, targets, epsilon, ignore_index=-100):
    # the textbook variant that spreads epsilon over the C - 1 wrong classes; PyTorch (and the
    # Transformer's recipe) spread it over all C
    keep = targets != ignore_index
    log_probs = torch.log_softmax(logits[keep], dim=-1)
    q = torch.full_like(log_probs, epsilon / (log_probs.shape[1] - 1))
    q.scatter_(1, targets[keep][:, None], 1 - epsilon)
    return -(q * log_probs).sum(-1).mean()


def bleu_unclipped(hypotheses, references):  # counts every hypothesis n-gram found in the reference
    matches, totals, hyp_len, ref_len = [0] * 4, [0] * 4, 0, 0
    for hyp, ref in zip(hypotheses, references, strict=True):
        h, r = hyp.split(), ref.split()
        hyp_len, ref_len = hyp_len + len(h), ref_len + len(r)
        for n in range(1, 5):
            ref_grams = {tuple(r[i:i + n]) for i in range(len(r) - n + 1)}
            matches[n - 1] += sum(tuple(h[i:i + n]) in ref_grams for i in range(len(h) - n + 1))
            totals[n - 1] += max(len(h) - n + 1, 0)
    if min(matches) == 0:
        return 0.0
    bp = 1.0 if hyp_len >= ref_len else math.exp(1 - ref_len / hyp_len)
    return 100 * bp * math.exp(sum(math.log(m / t) for m, t in zip(matches, totals, strict=True)) / 4)


def box_coder_own_size(boxes, anchors):  # divides the centre offset by the box's size, not the anchor's
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    wa, ha = anchors[:, 2] - anchors[:, 0], anchors[:, 3] - anchors[:, 1]
    dx = (boxes[:, 0] + w / 2) - (anchors[:, 0] + wa / 2)
    dy = (boxes[:, 1] + h / 2) - (anchors[:, 1] + ha / 2)
    return torch.stack([dx / w, dy / h, torch.log(w / wa), torch.log(h / ha)], dim=1)


def mask_iou_per_image(pred, target, num_classes):  # averages per image instead of counting all pixels
    from mlprep.drills.catalog.mask_iou import mask_iou

    pairs = [mask_iou(p, t, num_classes) for p, t in zip(pred.reshape(-1, *pred.shape[-2:]),
                                                         target.reshape(-1, *target.shape[-2:]), strict=True)]
    return torch.stack([i for i, _ in pairs]).nanmean(0), torch.stack([d for _, d in pairs]).nanmean(0)


# drill -> (wrong solution, the case that must fail, words the message must contain)
WRONG = {
    "iou": (iou_plus_one, "half overlap", "expected 0.333333, got 0.5"),
    "nms": (nms_unsorted, "scores not sorted", "expected 1, got 0"),
    "map50": (map50_duplicates_count, "duplicate detection", "expected 0.833333"),
    "box_coder": (box_coder_own_size, "statement example", "expected 0.1875, got 0.15"),
    "mask_iou": (mask_iou_per_image, "counted over all images together", "expected 0.666667, got 0.5"),
    "conv2d": (conv2d_flipped, "asymmetric kernel", "expected"),
    "softmax_cross_entropy": (softmax_ce_naive, "large logits", "non-finite"),
    "mlp_numpy": (mlp_sum_not_mean, "small batch", "grads['W1']"),
    "batchnorm": (batchnorm_constant_stats, "N=2, D=1", "dx[0, 0]"),
    "layer_norm": (layer_norm_unbiased, "two values", "expected -0.999995"),
    "dropout": (dropout_no_rescale, "p = 0.5 on ones", "forget to rescale"),
    "adam_step": (adam_no_bias_correction, "first step", "new_param"),
    "attention": (attention_unscaled, "d_k = 16", "expected"),
    "lstm_cell": (lstm_ifog, "B=1, D=1, H=1", "expected"),
    "kmeans": (kmeans_one_iteration, "random blobs", "expected"),
    "logistic_regression": (logistic_sign_error, "one step from zero", "w[0]"),
    "knn": (knn_farthest, "k = 1 on a line", "expected 0, got 1"),
    "roc_auc": (roc_auc_ignores_ties, "all scores tied", "expected 0.5, got 0"),
    "precision_recall_f1": (prf_transposed, "statement example", "precision[0]"),
    "tfidf": (tfidf_unsmoothed, "statement example", "matrix["),
    "bpe_merges": (bpe_unweighted, "counts weight the pairs", "expected 'c', got 'a'"),
    "beam_search": (beam_search_greedy, "beam width 2 beats greedy", "tokens[1]: expected 3, got 2"),
    "top_k_top_p": (top_p_excludes_boundary, "statement example", "expected 0.625, got 1"),
    "bio_decode": (bio_decode_b_only, "I- after O starts an entity", "expected"),
    "best_span": (best_span_two_argmaxes, "statement example", "end: expected 2, got 0"),
    "label_smoothing": (label_smoothing_over_other_classes, "confident and right", "expected 0.601006, got 0.801006"),
    "bleu": (bleu_unclipped, "clipping", "expected 53.7285, got 59.4604"),
}


def test_every_drill_has_a_wrong_solution():
    assert set(WRONG) == set(drill_names())


@pytest.mark.parametrize("name", sorted(WRONG))
def test_wrong_solution_fails_with_a_helpful_message(name):
    wrong, failing_case, words = WRONG[name]
    result = run_checks(get_drill(name), wrong)
    assert not result
    failures = {c.name: c for c in result.cases if not c.passed}
    matching = [c for case_name, c in failures.items() if failing_case in case_name]
    assert matching, f"{failing_case!r} passed; failures: {list(failures)}"
    assert words in matching[0].message, matching[0].message
    assert matching[0].inputs  # the report shows the input that broke it
    report = result.report()
    assert "first failing case:" in report and "FAIL: " in report


def test_helpers_of_other_drills_are_importable():
    # The wrong solutions above lean on these; keep them public-ish and stable.
    assert callable(nms_mod.nms) and callable(attention_mod.attention) and callable(top_k_top_p_mod.top_k_top_p)
