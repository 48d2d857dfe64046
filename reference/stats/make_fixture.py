#!/usr/bin/python3
"""Writes internal/stats/testdata/fixture.json: values of paired statistics computed with
numpy/scipy, independently of the Go code, for internal/stats' tests.

Run from the repository root: /usr/bin/python3 reference/stats/make_fixture.py
(Debian bookworm: python3-numpy 1.24, python3-scipy 1.10). The output is committed; the Go tests
never run Python.
"""
import json

import numpy as np
from scipy import stats

rng = np.random.default_rng(13)


def ttest_case(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    r = stats.ttest_rel(a, b)
    d = a - b
    n = len(d)
    se = d.std(ddof=1) / np.sqrt(n)
    half = stats.t.ppf(0.975, n - 1) * se
    return {"a": a.tolist(), "b": b.tolist(), "t": float(r.statistic), "p": float(r.pvalue),
            "df": n - 1, "mean": float(d.mean()), "lo": float(d.mean() - half), "hi": float(d.mean() + half)}


def holm(p):
    p = np.asarray(p, float)
    m = len(p)
    order = np.argsort(p, kind="stable")
    adj = np.minimum(1, (m - np.arange(m)) * p[order])
    adj = np.maximum.accumulate(adj)
    out = np.empty(m)
    out[order] = adj
    return out.tolist()


def group_metrics(pred, rank, target, idx):
    """Accuracy, weighted F1, macro F1, Recall@5, NDCG@5 of the samples idx (repeats count)."""
    if len(idx) == 0:
        return {"acc": 0.0, "wf1": 0.0, "macro_f1": 0.0, "recall@5": 0.0, "ndcg@5": 0.0}
    p, r, t = pred[idx], rank[idx], target[idx]
    classes = np.unique(t)
    f1s, w = [], []
    for c in classes:
        tp = np.sum((p == c) & (t == c))
        npred = np.sum(p == c)
        sup = np.sum(t == c)
        prec = tp / npred if npred else 0.0
        rec = tp / sup
        f1s.append(2 * prec * rec / (prec + rec) if prec + rec > 0 else 0.0)
        w.append(sup / len(idx))
    f1s, w = np.array(f1s), np.array(w)
    return {"acc": float(np.mean(p == t)), "wf1": float(np.sum(w * f1s)), "macro_f1": float(f1s.mean()),
            "recall@5": float(np.mean(r <= 5)), "ndcg@5": float(np.mean(np.where(r <= 5, 1 / np.log2(r + 1), 0)))}


def report(pred, rank, target, anchor, idx):
    idx = np.asarray(idx)
    anc = idx[anchor[target[idx]]]
    tail = idx[~anchor[target[idx]]]
    return {"overall": group_metrics(pred, rank, target, idx), "anchor": group_metrics(pred, rank, target, anc),
            "tail": group_metrics(pred, rank, target, tail)}


def outcomes(n, classes, target, skill):
    """Random predictions: correct with probability skill, else a random class; a consistent rank."""
    pred = np.where(rng.random(n) < skill, target, rng.integers(0, classes, n))
    rank = np.where(pred == target, 1, rng.integers(2, classes + 1, n))
    return pred, rank


classes, n, seeds, B = 8, 60, 3, 40
anchor = np.array([True, True, True, False, False, False, False, False])
target = rng.choice(classes, n, p=[0.3, 0.25, 0.2, 0.1, 0.06, 0.04, 0.03, 0.02])
methods = {"a": [outcomes(n, classes, target, 0.5) for _ in range(seeds)],
           "b": [outcomes(n, classes, target, 0.35) for _ in range(seeds)]}
resamples = rng.integers(0, n, (B, n))

scores = []
for idx in [np.arange(n), resamples[0], resamples[1]]:
    pred, rank = methods["a"][0]
    scores.append({"idx": idx.tolist(), "report": report(pred, rank, target, anchor, idx)})

boot = []
cases = [(g, m, seeds) for g, m in [("overall", "acc"), ("overall", "wf1"), ("anchor", "wf1"), ("tail", "wf1")]]
cases += [("overall", "wf1", 1), ("tail", "wf1", 1)]  # per seed: the first seed alone
for group, metric, nseeds in cases:
    def stat(idx):
        return np.mean([report(*methods["a"][s], target, anchor, idx)[group][metric] -
                        report(*methods["b"][s], target, anchor, idx)[group][metric] for s in range(nseeds)])
    vals = np.array([stat(idx) for idx in resamples])

    def pvalue(null):
        le, ge = np.sum(vals <= null), np.sum(vals >= null)
        return float(min(1, 2 * (1 + min(le, ge)) / (len(vals) + 1)))
    null = -0.01
    boot.append({"group": group, "metric": metric, "seeds": nseeds, "estimate": float(stat(np.arange(n))),
                 "lo": float(np.percentile(vals, 2.5)), "hi": float(np.percentile(vals, 97.5)),
                 "p0": pvalue(0), "null": null, "pnull": pvalue(null)})

fixture = {
    "outcomes": {"target": target.tolist(), "anchor": anchor.tolist(),
                 "a": [{"pred": p.tolist(), "rank": r.tolist()} for p, r in methods["a"]],
                 "b": [{"pred": p.tolist(), "rank": r.tolist()} for p, r in methods["b"]]},
    "scores": scores,
    "resamples": resamples.tolist(),
    "bootstrap": boot,
    "percentile": {"values": rng.normal(size=17).tolist(),
                   "q": [0, 2.5, 25, 50, 97.5, 100]},
    "ttest": [ttest_case([0.047, 0.052, 0.041], [0.026, 0.035, 0.020]),
              ttest_case([0.534, 0.51, 0.558], [0.569, 0.552, 0.585]),
              ttest_case(rng.normal(0.3, 0.02, 5), rng.normal(0.29, 0.02, 5)),
              ttest_case([0.1, 0.2], [0.15, 0.22])],
    "holm": [],
}
pv = fixture["percentile"]
pv["want"] = [float(np.percentile(pv["values"], q)) for q in pv["q"]]
for p in [[0.01, 0.04, 0.03, 0.005], [0.5, 0.2, 0.2, 0.01, 0.9], [0.04]]:
    fixture["holm"].append({"p": p, "want": holm(p)})
with open("internal/stats/testdata/fixture.json", "w") as f:
    json.dump(fixture, f, indent=1)
    f.write("\n")
