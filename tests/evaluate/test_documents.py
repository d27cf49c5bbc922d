"""Document-level measures: hand-checked values, and ranx as an independent oracle on random runs.

ranx compiles its metrics with numba (tens of seconds on a fresh install), so the oracle runs
once, in a subprocess with NUMBA_DISABLE_JIT=1: the same code, interpreted.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from hyperlink.evaluate.documents import (
    average_precision,
    category_retrieval,
    evaluate_rankings,
    ndcg_at,
    precision_at,
    r_precision,
    rank_by_score,
)

pytest.importorskip("ranx")

RANX = {"map": "map", "P_5": "precision@5", "P_10": "precision@10", "P_20": "precision@20", "Rprec": "r-precision",
        "ndcg_cut_10": "ndcg@10"}
_SCRIPT = """
import json, sys, warnings
warnings.simplefilter("ignore")
from ranx import Qrels, Run, evaluate
out = []
for case in json.load(sys.stdin):
    run = Run(case["run"])
    evaluate(Qrels(case["qrels"]), run, case["metrics"], make_comparable=True)
    out.append({m: {q: float(v) for q, v in run.scores[m].items()} for m in case["metrics"]})
json.dump(out, sys.stdout)
"""


def random_case(seed, queries=15, docs=60):
    rng = np.random.default_rng(seed)
    run, qrels = {}, {}
    for q in range(queries):
        ids = [f"d{j}" for j in rng.choice(200, size=docs, replace=False)]
        run[f"q{q}"] = {d: float(s) for d, s in zip(ids, rng.random(docs))}
        judged = rng.choice(200, size=int(rng.integers(1, 30)), replace=False)
        qrels[f"q{q}"] = {f"d{j}": int(rng.integers(1, 4)) for j in judged}
    return run, qrels


def category_case(seed, n=40, dim=8, categories=4):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, categories, n)
    x = rng.normal(size=(n, dim)) + labels[:, None]
    y = rng.normal(size=(n, dim)) + labels[:, None]
    return x @ y.T, labels


@pytest.fixture(scope="module")
def oracle():
    cases = [random_case(s) for s in range(3)]
    sim, labels = category_case(9)
    items = [f"i{j}" for j in range(len(labels))]
    cat_run = {f"q{i}": dict(zip(items, map(float, sim[i]))) for i in range(len(labels))}
    cat_qrels = {f"q{i}": {items[j]: 1 for j in np.flatnonzero(labels == labels[i])} for i in range(len(labels))}
    payload = [{"run": r, "qrels": q, "metrics": list(RANX.values())} for r, q in cases + [(cat_run, cat_qrels)]]
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    done = subprocess.run([sys.executable, "-c", _SCRIPT], input=json.dumps(payload), capture_output=True, text=True,
                          env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return cases, (sim, labels), json.loads(done.stdout)


def test_hand_checked_values():
    ranking, rel = ["a", "x", "b", "y"], {"a", "b", "c"}
    assert average_precision(ranking, rel) == pytest.approx((1 + 2 / 3) / 3)
    assert precision_at(ranking, rel, 2) == 0.5 and precision_at(ranking, rel, 10) == 0.2
    assert r_precision(ranking, rel) == pytest.approx(2 / 3)
    assert ndcg_at(ranking, {"a": 2, "b": 1}, 3) == pytest.approx((2 + 1 / 2) / (2 + 1 / np.log2(3)))
    assert average_precision(ranking, set()) == r_precision(ranking, set()) == ndcg_at(ranking, set(), 5) == 0.0


def test_ties_are_broken_by_id():
    assert rank_by_score({"b": 1.0, "a": 1.0, "c": 2.0}) == ["c", "a", "b"]


def test_rankings_match_ranx(oracle):
    cases, _, expected = oracle
    for (run, qrels), ranx_scores in zip(cases, expected):
        ours = evaluate_rankings(run, qrels, ks=(5, 10, 20), ndcg_ks=(10,))
        for name, ranx_name in RANX.items():
            theirs = [ranx_scores[ranx_name][q] for q in ours.queries]
            np.testing.assert_allclose(ours.per_query[name], theirs, atol=1e-12, err_msg=name)


def test_category_retrieval_matches_ranx_and_the_naive_path(oracle):
    _, (sim, labels), expected = oracle
    fast = category_retrieval(sim, labels, labels, ks=(5, 10, 20), ndcg_ks=(10,))
    for name, ranx_name in RANX.items():
        theirs = [expected[-1][ranx_name][f"q{i}"] for i in fast.queries]
        np.testing.assert_allclose(fast.per_query[name], theirs, atol=1e-12, err_msg=name)


def test_exclude_self_equals_ranking_without_the_query_item():
    sim, labels = category_case(4, n=30)
    fast = category_retrieval(sim, labels, labels, ks=(1, 5), ndcg_ks=(5,), exclude_self=True)
    run = {i: {j: sim[i, j] for j in range(len(labels)) if j != i} for i in range(len(labels))}
    qrels = {i: {j for j in np.flatnonzero(labels == labels[i]) if j != i} for i in range(len(labels))}
    naive = evaluate_rankings(run, qrels, ks=(1, 5), ndcg_ks=(5,))
    for name in fast.per_query:
        np.testing.assert_allclose(fast.per_query[name], naive.per_query[name], atol=1e-12, err_msg=name)
    assert set(fast.mean()) == {"map", "P_1", "P_5", "Rprec", "ndcg_cut_5"}


def test_missing_queries_and_bad_shapes():
    scores = evaluate_rankings({"q1": ["a"]}, {"q1": {"a"}, "q2": {"b"}}, ks=(1,), missing_as_zero=True)
    assert scores.queries == ("q1", "q2") and list(scores.per_query["map"]) == [1.0, 0.0]
    assert evaluate_rankings({"q1": ["a"]}, {"q1": {"a"}, "q2": {"b"}}, ks=(1,)).queries == ("q1",)
    with pytest.raises(ValueError, match="queries × items"):
        category_retrieval(np.zeros((2, 3)), [0, 1], [0, 1])
    with pytest.raises(ValueError, match="NaN"):
        category_retrieval(np.full((2, 2), np.nan), [0, 1], [0, 1])
