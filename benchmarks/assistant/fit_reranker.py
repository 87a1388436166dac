"""Fit the second stage of case facts: a linear model over the candidate offences' features.

    nice /work/main/.venv/bin/python -m benchmarks.assistant.fit_reranker

Trains on the case-fact questions of the tuning splits only (dev, late, late2, facts2; never
heldout, late2_heldout nor facts2_heldout): for each question, its first-stage candidates
(`Engine._offence_features`, the top `rerank_depth` crimes) and a pairwise logistic loss, the
right offence against each other candidate, with an L2 penalty. Prints the weights to paste into
`engine.Options.rerank_weights` and a 5-fold cross-validated offence hit@1 on the same questions.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from benchmarks.assistant.evaluate import load_questions
from digitaldesk.assistant.engine import OFFENCE_FEATURES, Engine, Intent, Options

DEPTH = Options().rerank_depth
TUNING = ("dev", "late", "late2", "facts2")


def examples(engine: Engine) -> list[tuple[str, np.ndarray, int]]:
    """(question id, features of the candidates, index of the right one or -1)."""
    out = []
    for q in load_questions():
        if q.kind != "facts" or q.split not in TUNING:
            continue
        result = engine.search(q.text)
        if result.intent is not Intent.FACTS or result.offence_features is None:
            continue
        keys = result.offence_candidates
        right = keys.index(q.relevant[0]) if q.relevant[0] in keys else -1
        out.append((q.qid, result.offence_features, right))
    return out


def fit(
    data: list[tuple[str, np.ndarray, int]], l2: float = 0.001, steps: int = 20000
) -> np.ndarray:
    pairs = []
    for _, x, right in data:
        if right < 0:
            continue
        for j in range(len(x)):
            if j != right:
                pairs.append(x[right] - x[j])
    diffs = np.array(pairs)
    w = np.zeros(diffs.shape[1])
    for _ in range(steps):
        margin = diffs @ w
        grad = -(diffs * (1 / (1 + np.exp(margin)))[:, None]).mean(axis=0) + l2 * w
        w -= 0.5 * grad
    return w


def hit_at_1(data: list[tuple[str, np.ndarray, int]], w: np.ndarray) -> float:
    return float(np.mean([int(np.argmax(x @ w)) == right for _, x, right in data]))


def main() -> None:
    engine = Engine(dataclasses.replace(Options(), rerank=False, rerank_depth=DEPTH))
    data = examples(engine)
    print(
        f"{len(data)} questions (two variants each); right offence among candidates:",
        round(float(np.mean([r >= 0 for _, _, r in data])), 3),
    )
    first = float(np.mean([r == 0 for _, _, r in data]))
    print("first stage hit@1", round(first, 4))
    ids = sorted({qid for qid, _, _ in data})
    folds = [set(ids[i::5]) for i in range(5)]
    for l2 in (0.0001, 0.001, 0.01):
        scores = []
        for fold in folds:
            w = fit([d for d in data if d[0] not in fold], l2)
            scores.append(hit_at_1([d for d in data if d[0] in fold], w))
        print(f"l2={l2}: 5-fold hit@1 {np.mean(scores):.4f}")
    w = fit(data)
    print("train hit@1", round(hit_at_1(data, w), 4))
    print("rerank_weights = (" + ", ".join(f"{v:.3f}" for v in w) + ")")
    for name, v in zip(OFFENCE_FEATURES, w, strict=True):
        print(f"  {name:18} {v:+.3f}")


if __name__ == "__main__":
    main()
