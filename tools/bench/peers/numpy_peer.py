"""numpy reference peer for the benchmarks: runs each request of a JSON list (file, method,
keep, params, reps) the way a research script would (read the file, decode, select) and prints
one JSON line per request: median and all run times in ms (file reading included) and keep.
Timed as the project's side is (file-run.mjs): one untimed run first, then at least `reps` runs
and, for fast requests, more until the timed runs add up to 0.4 s (at most 60)."""
import json
import sys
import time

from baselines_np import cdpruner, dart, divprune, visionzip, vispruner
from d2pruner_np import d2pruner
from st_read import load

METHODS = {
    "dart": lambda t, meta, keep, p: dart(t, keep),
    "divprune": lambda t, meta, keep, p: divprune(t, keep),
    "vispruner": lambda t, meta, keep, p: vispruner(t, keep),
    "visionzip": lambda t, meta, keep, p: visionzip(t, keep)[0],
    "visionzip-gather": lambda t, meta, keep, p: visionzip(t, keep, merge="gather")[0],
    "cdpruner": lambda t, meta, keep, p: cdpruner(t, keep),
    "d2pruner": lambda t, meta, keep, p: d2pruner(t, json.loads(meta["d2pruner.layout"]), keep, alpha=p.get("alpha", 1.0))[0],
}


MIN_TIMED_MS = 400
MAX_RUNS = 60


def once(req):
    t0 = time.perf_counter()
    tensors, meta = load(req["file"])
    keep = METHODS[req["method"]](tensors, meta, req["keep"], req.get("params", {}))
    return (time.perf_counter() - t0) * 1000, keep


def run(req):
    reps = req.get("reps", 5)
    for _ in range(req.get("warmup", 1)):
        once(req)
    times, keep = [], None
    while len(times) < reps or (sum(times) < MIN_TIMED_MS and len(times) < MAX_RUNS):
        ms, keep = once(req)
        times.append(ms)
    s = sorted(times)
    return {"median": s[len(s) // 2], "ms": times, "keep": keep}


if __name__ == "__main__":
    for request in json.load(open(sys.argv[1])):
        print(json.dumps(run(request)), flush=True)
