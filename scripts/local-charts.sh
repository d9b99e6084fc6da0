#!/usr/bin/env bash
# On the local cluster only (scripts/pulumi.sh): when the stack takes Istio's charts from Istio's official source and
# this machine cannot reach it, takes them from the Go module proxy instead: manifests/charts of the istio.io/istio
# module at the release (or at the newest served commit of its line, scripts/tools/istio-module.sh), linked into
# .local/charts/<version>. Says so in one WARNING line per version and prints the ISTIO_CHARTS_DIR to use (nothing
# when the stack's own source applies). A stack that configures a source (charts.repository, charts.directory,
# ISTIO_CHARTS_DIR) is never given another one, and this is never used on a configured cluster.
#
# Usage: bash scripts/local-charts.sh STACK_FILE
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export GOTOOLCHAIN=local
source "$root/scripts/tools/istio-module.sh"

mapfile -t plan < <(node --require "$root/scripts/register-ts.js" "$root/scripts/localCharts.ts" "${1:?usage: local-charts.sh STACK_FILE}")
[[ ${#plan[@]} -gt 1 ]] || exit 0
source_url=${plan[0]}

charts=$root/.local/charts
mkdir -p "$charts"
for release in "${plan[@]:1}"; do
  if [[ ! -e $charts/$release/base/Chart.yaml ]]; then
    if ! problem=$(istio_resolve_module "$release" 2>&1 >/dev/null); then
      echo "pulumi.sh: error: $source_url cannot be reached, and $problem. Fix: set mesh.charts.repository to a mirror you reach, or ISTIO_CHARTS_DIR to a local copy of Istio's charts ({version} in the path is replaced)" >&2
      exit 1
    fi
    istio_resolve_module "$release"
    dir=$(istio_module_dir "$ISTIO_MODULE")
    [[ -d $dir/manifests/charts ]] || {
      echo "pulumi.sh: error: $source_url cannot be reached and istio.io/istio@$ISTIO_MODULE could not be downloaded from the Go module proxy. Fix: set mesh.charts.repository to a mirror you reach, or ISTIO_CHARTS_DIR to a local copy of Istio's charts" >&2
      exit 1
    }
    ln -sfn "$dir/manifests/charts" "$charts/$release"
    printf '%s\n' "${ISTIO_MODULE_SUBSTITUTE:-istio.io/istio@$ISTIO_MODULE (the $release release commit)}" >"$charts/$release.source"
  fi
  echo "pulumi.sh: WARNING: $source_url cannot be reached; Istio's charts come from the Go module proxy instead: $(cat "$charts/$release.source")" >&2
done
echo "$charts/{version}"
