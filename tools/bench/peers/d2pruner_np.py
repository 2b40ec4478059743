"""D2Pruner lazy selection in numpy (docs/algorithm.md §§3-4), research style, float64 cosines."""
import math

import numpy as np


def rank_order(score):
    """Indices by score descending, ties -> lower index."""
    return np.lexsort((np.arange(len(score)), -score))


def unit_rows(x):
    x = x.astype(np.float64)
    norms = np.sqrt(np.einsum("ij,ij->i", x, x))
    safe = np.where(norms > 0, norms, 1.0)
    return x / safe[:, None] * (norms > 0)[:, None]


def d2pruner(t, layout, keep, alpha=1.0, theta=0.8, radius=1, pivot_ratio=0.7, eps=1e-7):
    a = t["attention"]
    a = a.astype(np.float64) if a.ndim == 1 else a.astype(np.float64).mean(0)
    n_tok = len(a)
    if keep >= n_tok:
        return list(range(n_tok)), 0
    if keep == 0:
        return [], 0
    prior = t.get("prior")
    imp = a / (prior.astype(np.float64) + eps) if prior is not None else a
    order = rank_order(imp)
    n_p = min(keep, math.floor(pivot_ratio * keep + 1e-9))
    pivots, cands, m = order[:n_p], order[n_p:], keep - n_p
    u = unit_rows(t["features"])
    frame, row, col = (np.asarray(layout[k]) for k in ("frame", "row", "col"))
    spatial_only = not alpha * (1 + 1e-6) > theta
    taken = np.zeros(n_tok, dtype=bool)
    picks, rounds = [], 0
    mem_rows = np.empty((max(m, 1), u.shape[1]))
    while len(picks) < m:
        rounds += 1
        members = []
        for v in cands:
            if taken[v]:
                continue
            k = len(members)
            if k:
                mem = np.asarray(members)
                spat = (frame[mem] == frame[v]) & (np.abs(row[mem] - row[v]) <= radius) & (np.abs(col[mem] - col[v]) <= radius)
                if spatial_only:
                    near = np.flatnonzero(spat)
                    cos = mem_rows[near] @ u[v]
                    if np.any(alpha * np.clip(cos, 0, 1) + (1 - alpha) > theta):
                        continue
                else:
                    cos = mem_rows[:k] @ u[v]
                    if np.any(alpha * np.clip(cos, 0, 1) + (1 - alpha) * spat > theta):
                        continue
            mem_rows[k] = u[v]
            members.append(int(v))
            taken[v] = True
            picks.append(int(v))
            if len(picks) == m:
                break
    return sorted([int(p) for p in pivots] + picks), rounds
