#!/bin/bash
# The whole GPU-machine run of issue 12, from the repository root of a copy of this repo that
# carries .device-carry (see docs/gpu.md): unpacks Node + Dawn + the packed project, runs the
# abs() root-cause probe, the full device check through --backend webgpu (adapter, conformance,
# every D2Pruner vector plain and perturbed, the timing table, every baseline vector), the PyTorch
# peer on the same four requests (so both tables print), and bench:kernels, each step with a time
# limit so that the whole fits an 8-minute device run. Exit code: the device check's.
#
# usage: tools/device/gpu-run.sh [OUT_DIR]        (OUT_DIR default: $OUT, else /tmp/d2p-device)
# env:   CARRY   the carry folder (default .device-carry)
#        P_DIR   where the packed project is unpacked (default /tmp/p)
#        D2P_DRY=1  dry run on a machine with Node: skip on-device.sh, use `node` and this
#                   repo's node_modules/webgpu (the packed project is still what runs)
#        CHECK_ARGS extra arguments for device-check.mjs (e.g. --quick)
#        SKIP_BENCH=1 skip bench:kernels; BENCH_QUICK=1 skips its 3328×4096 cases
#        CHECK_TIMEOUT, PEER_TIMEOUT, BENCH_TIMEOUT: seconds per step (300, 70, 60)
set -u
ROOT=$(pwd)
OUT_DIR=${1:-${OUT:-/tmp/d2p-device}}
CARRY=${CARRY:-.device-carry}
P=${P_DIR:-/tmp/p}
mkdir -p "$OUT_DIR"
log() { echo "[gpu-run] $*" | tee -a "$OUT_DIR/gpu-run.log"; }
log "start $(date -u +%FT%TZ) in $ROOT, output in $OUT_DIR"
if [ "${D2P_DRY:-0}" = 1 ]; then
  NODE=${NODE:-node}
  WEBGPU_DIR=$ROOT/node_modules/webgpu
  log "dry run: NODE=$NODE, webgpu from $WEBGPU_DIR"
else
  # shellcheck disable=SC1091
  source "$CARRY/on-device.sh" "$CARRY"
  WEBGPU_DIR=/tmp/webgpu
fi
rm -rf "$P" && mkdir -p "$P" && tar -xJf "$CARRY/project.tar.xz" -C "$P" && ln -sfn "$WEBGPU_DIR" "$P/node_modules/webgpu" || { log "cannot unpack $CARRY/project.tar.xz"; exit 2; }
rm -rf "$P/device" && cp -r "$ROOT/tools/device" "$P/device" && cp "$ROOT/packages/kernels-webgpu/bench/bench-kernels.mjs" "$P/device/"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee -a "$OUT_DIR/gpu-run.log"

log "abs() probe"
$NODE "$P/device/abs-probe.mjs" 2>&1 | grep --line-buffered -v '^Warning: \|^    at operator\|^$' | tee "$OUT_DIR/abs-probe.log"

log "device check (webgpu), at most ${CHECK_TIMEOUT:-300} s"
# shellcheck disable=SC2086
timeout "${CHECK_TIMEOUT:-300}" $NODE "$P/device/device-check.mjs" --vectors "$ROOT/fixtures/vectors" --emit "$OUT_DIR/peer" ${CHECK_ARGS:-} 2>&1 | grep --line-buffered -v '^Warning: \|^    at operator\|^$' | tee "$OUT_DIR/device-check.log"
rc=${PIPESTATUS[0]}
log "device check exit code $rc (124: stopped by the time limit; the suites it printed stand)"

if [ -f "$OUT_DIR/peer/requests.jsonl" ] && python3 -c 'import torch, safetensors' 2>/dev/null; then
  log "PyTorch peer on the same requests (torch $(python3 -c 'import torch; print(torch.__version__, torch.cuda.is_available())'))"
  timeout "${PEER_TIMEOUT:-70}" python3 "$CARRY/torch_peer.py" "$OUT_DIR/peer/requests.jsonl" "$OUT_DIR/peer/results.jsonl" 2>&1 | tee "$OUT_DIR/torch-peer.log"
else
  log "PyTorch peer: skipped (no requests written, or python3 has no torch/safetensors here)"
fi
if [ "${SKIP_BENCH:-0}" != 1 ]; then
  log "kernel benchmark, GPU only for the 3328x4096 cases (transfers included; kernel ms from timestamp queries when available)"
  BENCH_REPS=${BENCH_REPS:-5} BENCH_QUICK=${BENCH_QUICK:-0} BENCH_SKIP_CPU_DENSE=${BENCH_SKIP_CPU_DENSE:-1} timeout "${BENCH_TIMEOUT:-60}" $NODE "$P/device/bench-kernels.mjs" 2>&1 | grep --line-buffered -v '^Warning: \|^    at operator\|^$' | tee "$OUT_DIR/bench-kernels.log"
fi
log "end $(date -u +%FT%TZ)"
exit "$rc"
