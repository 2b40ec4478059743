#!/usr/bin/env python3
"""Independent reference of `d2pruner eval` (docs/eval.md §2) in Python + numpy, float64.

Reads labelled token files (safetensors: `object` I32, `attention`, `features`; metadata
`d2pruner.referent`), selects tokens with its own FastV (top-n attention, ties -> lower index)
and DivPrune (max-min diversity, d = 1 - cos) and scores them; other methods' selections
(e.g. D2Pruner's) are read from a JSON file {"method": {"file": {"budget": [keep...]}}}.
Prints {"results": [{"method", "ratio", "files", "referentHit", "referentShare",
"objectRecall"}], "selections": {"method": {"file": {"ratio": [keep...]}}}} as JSON.

Usage: reference.py --ratios 0.1,0.25 [--given selections.json] FILE...
"""
import argparse
import json
import math
import struct
import sys

import numpy as np

DTYPES = {"F32": "<f4", "F64": "<f8", "I32": "<i4", "I64": "<i8"}


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (hlen,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + hlen])
    data = raw[8 + hlen :]
    meta = header.pop("__metadata__", {})
    tensors = {}
    for name, e in header.items():
        b, end = e["data_offsets"]
        tensors[name] = np.frombuffer(data[b:end], dtype=DTYPES[e["dtype"]]).reshape(e["shape"])
    return tensors, meta


def budget(ratio, n_tokens):
    return max(1, int(math.floor(ratio * n_tokens + 0.5)))


def fastv(attention, n):
    a = attention.astype(np.float64)
    if a.ndim == 2:
        a = a.mean(axis=0)
    order = np.argsort(-a, kind="stable")
    return sorted(int(i) for i in order[:n])


def divprune(features, n):
    h = features.astype(np.float64)
    norms = np.linalg.norm(h, axis=1, keepdims=True)
    u = np.divide(h, norms, out=np.zeros_like(h), where=norms > 0)
    d = 1.0 - u @ u.T
    big = d.copy()
    np.fill_diagonal(big, np.inf)
    first = int(np.argmax(big.min(axis=0)))
    chosen = [first]
    m = d[first].copy()
    taken = np.zeros(len(h), dtype=bool)
    taken[first] = True
    while len(chosen) < n:
        cand = np.where(taken, -np.inf, m)
        j = int(np.argmax(cand))
        chosen.append(j)
        taken[j] = True
        m = np.minimum(m, d[j])
    return sorted(chosen)


def metrics(keep, obj, referent, n):
    keep = list(keep)
    assert len(keep) == min(n, len(obj)) and len(set(keep)) == len(keep)
    present = {int(v) for v in obj if v >= 0}
    kept_objects = {int(obj[i]) for i in keep if obj[i] >= 0}
    recall = 1.0 if not present else len(kept_objects & present) / len(present)
    out = {"objectRecall": recall}
    if referent is not None:
        size = int(np.sum(obj == referent))
        on = sum(1 for i in keep if obj[i] == referent)
        out["referentHit"] = 1.0 if on > 0 else 0.0
        out["referentShare"] = min(1.0, on / max(1, min(size, n)))
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ratios", required=True)
    p.add_argument("--methods", default="fastv,divprune")
    p.add_argument("--given")
    p.add_argument("files", nargs="+")
    args = p.parse_args()
    ratios = [float(r) for r in args.ratios.split(",")]
    given = json.load(open(args.given)) if args.given else {}
    methods = [m for m in args.methods.split(",") if m] + [m for m in given if m not in args.methods.split(",")]
    sums = {}
    selections = {}
    for path in args.files:
        tensors, meta = read_safetensors(path)
        obj = tensors["object"].astype(np.int64)
        referent = int(json.loads(meta["d2pruner.referent"])) if "d2pruner.referent" in meta else None
        for ratio in ratios:
            n = budget(ratio, len(obj))
            for method in methods:
                if method in given:
                    keep = given[method][path][str(ratio)]
                elif method == "fastv":
                    keep = fastv(tensors["attention"], n)
                elif method == "divprune":
                    keep = divprune(tensors["features"], n)
                else:
                    raise SystemExit(f"no reference for {method}")
                selections.setdefault(method, {}).setdefault(path, {})[str(ratio)] = keep
                s = sums.setdefault((method, ratio), {"files": 0, "refFiles": 0, "referentHit": 0.0, "referentShare": 0.0, "objectRecall": 0.0})
                m = metrics(keep, obj, referent, n)
                s["files"] += 1
                s["objectRecall"] += m["objectRecall"]
                if "referentHit" in m:
                    s["refFiles"] += 1
                    s["referentHit"] += m["referentHit"]
                    s["referentShare"] += m["referentShare"]
    results = []
    for (method, ratio), s in sums.items():
        k, r = s["files"], s["refFiles"]
        results.append({
            "method": method, "ratio": ratio, "files": k,
            "referentHit": s["referentHit"] / r if r else None,
            "referentShare": s["referentShare"] / r if r else None,
            "objectRecall": s["objectRecall"] / k if k else None,
        })
    json.dump({"results": results, "selections": selections}, sys.stdout)


if __name__ == "__main__":
    main()
