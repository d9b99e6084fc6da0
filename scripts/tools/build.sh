#!/usr/bin/env bash
# Builds what the real runs need, from Go modules, into .local/ (idempotent; cached), with progress and an estimate
# of what remains:
#   engine    the Pulumi engine and its provider plugins (engine.sh)
#   cluster   the local cluster's binaries (kube.sh)
#   istio     istiod and istioctl of the release the dev stack pins (istio.sh), for the istiod suite,
#             scripts/istiod.sh and `npm run verify`
# The Go tool's per-module lines go to .local/tools.log only.
#
# Usage: scripts/tools/build.sh [engine] [cluster] [istio]      (default: all three; `npm run tools`)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
source "$here/progress.sh"
log_file=$root/.local/tools.log

parts=("$@")
[[ ${#parts[@]} -gt 0 ]] || parts=(engine cluster istio)

# What each part takes with an empty Go cache on 2 cores (measured; compiling dominates). A part that is up to date
# takes seconds.
declare -A estimate=([engine]=1500 [cluster]=900 [istio]=600)
declare -A title=(
  [engine]="the Pulumi engine and its plugins"
  [cluster]="the local cluster's binaries"
  [istio]="istiod and istioctl"
)
declare -A script=([engine]=engine.sh [cluster]=kube.sh [istio]=istio.sh)

left=0
for part in "${parts[@]}"; do
  [[ -n ${script[$part]:-} ]] || { echo "build.sh: unknown part: $part (engine, cluster, istio)" >&2; exit 2; }
  left=$((left + estimate[$part]))
done
step=0
for part in "${parts[@]}"; do
  step=$((step + 1))
  if ((${#parts[@]} > 1)); then
    echo "tools: step $step of ${#parts[@]}; about $(format_duration "$left") left in all if nothing is built yet" >&2
  fi
  with_progress "${title[$part]}" "${estimate[$part]}" "$log_file" bash "$here/${script[$part]}"
  left=$((left - estimate[$part]))
done
