#!/usr/bin/env bash
# Starts the local cluster of scripts/cluster.sh for scripts/pulumi.sh, with its progress and an estimate (the first
# start also makes the cluster's certificates; later starts of a stopped cluster reuse them).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/tools/progress.sh"
if bash "$root/scripts/cluster.sh" status >/dev/null 2>&1 && [[ -f $root/.local/${MESH_CLUSTER:-cluster}/kubeconfig ]] &&
  kubectl --kubeconfig "$root/.local/${MESH_CLUSTER:-cluster}/kubeconfig" get --raw /readyz >/dev/null 2>&1; then
  exit 0
fi
PROGRESS_PREFIX=pulumi.sh PROGRESS_INTERVAL=15 with_progress "starting the local cluster" 40 "$root/.local/cluster-start.log" \
  bash "$root/scripts/cluster.sh" start >/dev/null
