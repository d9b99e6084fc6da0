#!/usr/bin/env bash
# The end-to-end suite: builds the engine and the local cluster's binaries if needed (cached), starts the local
# cluster, and runs test/e2e against it with the real Pulumi engine, on a unique stack per run.
#
# Istio's charts are not fetched here: set ISTIO_CHARTS_DIR to a local copy (a folder per version, `{version}` in
# the path is replaced; e.g. ISTIO_CHARTS_DIR=/srv/istio-charts/{version}). Without it the suite says it skipped.
#
# Usage: npm run e2e [-- jest flags]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/env.sh"
cd "$root"

bash "$root/scripts/tools/build.sh"
export PULUMI_HOME=$root/.local/pulumi
bash "$root/scripts/cluster.sh" start >/dev/null
export KUBECONFIG=$root/.local/${MESH_CLUSTER:-cluster}/kubeconfig

exec jest --config jest.e2e.config.js "$@"
