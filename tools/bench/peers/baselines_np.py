"""DART, DivPrune, VisPruner, VisionZip and CDPruner in numpy (docs/baselines.md §§3-7), research
style: float64, whole-matrix products where the method compares all pairs."""
import math

import numpy as np

from d2pruner_np import rank_order, unit_rows


def dart(t, n, pivot_image=4, pivot_text=4):
    h, k = t["features"], t["keys"]
    n_tok = h.shape[0]
    if n >= n_tok:
        return list(range(n_tok))
    tf, tk = t.get("textFeatures"), t.get("textKeys")
    img = rank_order(np.abs(k.astype(np.float64)).sum(1))[: min(pivot_image, n)]
    txt = rank_order(np.abs(tk.astype(np.float64)).sum(1))[: min(pivot_text, tf.shape[0])] if tf is not None else []
    rem = n - len(img)
    if rem == 0:
        return sorted(int(i) for i in img)
    pivots = [("image", int(i)) for i in img] + [("text", int(j)) for j in txt]
    q, e = divmod(rem, len(pivots))
    hu = unit_rows(h)
    tu = unit_rows(tf) if tf is not None else None
    pool = np.ones(n_tok, dtype=bool)
    pool[img] = False
    chosen = []
    for idx, (kind, p) in enumerate(pivots):
        quota = q + (1 if idx < e else 0)
        if quota == 0:
            continue
        v = hu[p] if kind == "image" else tu[p]
        cand = np.flatnonzero(pool)
        s = (hu @ v)[cand]
        sel = cand[np.lexsort((cand, s))[:quota]]
        pool[sel] = False
        chosen.extend(int(j) for j in sel)
    return sorted([int(i) for i in img] + chosen)


def divprune(t, n):
    u = unit_rows(t["features"])
    n_tok = u.shape[0]
    if n >= n_tok:
        return list(range(n_tok))
    dist = 1 - u @ u.T
    np.fill_diagonal(dist, np.inf)
    first = int(np.argmax(dist.min(0)))
    order = [first]
    selected = np.zeros(n_tok, dtype=bool)
    selected[first] = True
    np.fill_diagonal(dist, 0)
    m = dist[first].copy()
    while len(order) < n:
        j = int(np.argmax(np.where(selected, -np.inf, m)))
        order.append(j)
        selected[j] = True
        m = np.minimum(m, dist[j])
    return sorted(order)


def vispruner(t, n, important_ratio=0.5, drop_per_step=8):
    h, c = t["features"], t["clsAttention"]
    n_tok = h.shape[0]
    if n >= n_tok:
        return list(range(n_tok))
    n_imp = min(n, math.floor(n * important_ratio))
    n_div = n - n_imp
    ranked = rank_order(c.astype(np.float64))
    important, q = ranked[:n_imp], ranked[n_imp:]
    if n_div == 0:
        return sorted(int(i) for i in np.concatenate([important, q]))
    u = unit_rows(h)
    pos = np.full(n_tok, -1)
    pos[q] = np.arange(len(q))
    sim = u[q] @ u[q].T
    while True:
        r = min(drop_per_step, len(q) - n_div)
        if r <= 0:
            break
        a, b = q[0::2], q[1::2]
        s = sim[np.ix_(pos[a], pos[b])].max(1)
        by_score = np.lexsort((np.arange(len(a)), -s))
        q = np.concatenate([a[by_score[min(r, len(a)) :]], b])
    return sorted(int(i) for i in np.concatenate([important, q]))


def visionzip(t, n, contextual=None, merge="onehot"):
    """merge="onehot" merges as the official code does (a one-hot assignment matrix times the rows
    to merge: k x N_other x D products); merge="gather" sums each target's members only."""
    h, c, keys = t["features"], t["clsAttention"], t["keys"]
    n_tok = h.shape[0]
    if n >= n_tok:
        return list(range(n_tok)), []
    k = min((5 * n + 16) // 32 if contextual is None else contextual, n)
    dominant = np.sort(rank_order(c.astype(np.float64))[: n - k])
    if k == 0:
        return [int(i) for i in dominant], []
    rest = np.setdiff1d(np.arange(n_tok), dominant)
    step = max(1, len(rest) // k)
    targets = rest[np.arange(k) * step]
    others = np.setdiff1d(rest, targets)
    ku = unit_rows(keys)
    assign = np.argmax(ku[others] @ ku[targets].T, axis=1)
    h64 = h.astype(np.float64)
    if merge == "onehot":
        one_hot = np.zeros((len(others), k))
        one_hot[np.arange(len(others)), assign] = 1.0
        counts = one_hot.sum(0)
        sums = one_hot.T @ h64[others]
        rows = h64[targets] + np.where(counts[:, None] > 0, sums / np.maximum(counts, 1.0)[:, None], 0.0)
        merged = [(int(g), rows[j]) for j, g in enumerate(targets)]
        return sorted(int(i) for i in np.concatenate([dominant, targets])), merged
    merged = []
    for j, g in enumerate(targets):
        members = others[assign == j]
        row = h64[g] + (h64[members].mean(0) if len(members) else 0)
        merged.append((int(g), row))
    return sorted(int(i) for i in np.concatenate([dominant, targets])), merged


def cdpruner(t, n, relevance_sign=-1.0, exhaust_tol=1e-12):
    h, tf = t["features"], t.get("textFeatures")
    n_tok = h.shape[0]
    if n >= n_tok:
        return list(range(n_tok))
    u = unit_rows(h)
    r = np.ones(n_tok)
    if tf is not None and tf.shape[0] > 0:
        raw = relevance_sign * (u @ unit_rows(tf).T).mean(1)
        lo, hi = raw.min(), raw.max()
        if hi > lo:
            r = (raw - lo + 1e-6) / (hi - lo)
    s = u @ u.T
    nonzero = np.einsum("ij,ij->i", u, u) > 0
    np.fill_diagonal(s, nonzero.astype(np.float64))
    kernel = r[:, None] * s * r[None, :]
    d2 = np.diag(kernel).copy()
    tau = exhaust_tol * d2.max()
    cis = np.zeros((n, n_tok))
    selected = np.zeros(n_tok, dtype=bool)
    order = []
    for step in range(n):
        j = int(np.argmax(np.where(selected, -np.inf, d2)))
        if not d2[j] > tau:
            break
        selected[j] = True
        order.append(j)
        if len(order) == n:
            break
        e = (kernel[j] - cis[:step, j] @ cis[:step]) / math.sqrt(d2[j])
        cis[step] = e
        d2 = d2 - e * e
    for i in rank_order(r):
        if len(order) == n:
            break
        if not selected[i]:
            selected[i] = True
            order.append(int(i))
    return sorted(order)
