"""numpy reference peer for the benchmarks: runs each request of a JSON list (file, method,
keep, params, reps) the way a research script would (read the file, decode, select) and prints
one JSON line per request: median and all run times in ms (file reading included) and keep."""
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


def run(req):
    times, keep = [], None
    for _ in range(req.get("reps", 5)):
        t0 = time.perf_counter()
        tensors, meta = load(req["file"])
        keep = METHODS[req["method"]](tensors, meta, req["keep"], req.get("params", {}))
        times.append((time.perf_counter() - t0) * 1000)
    s = sorted(times)
    return {"median": s[len(s) // 2], "ms": times, "keep": keep}


if __name__ == "__main__":
    for request in json.load(open(sys.argv[1])):
        print(json.dumps(run(request)), flush=True)
