#!/usr/bin/env bash
# Before a run that renders Istio's charts (scripts/pulumi.sh up|preview): checks that the stack's chart source
# answers (scripts/chartSources.ts). When it does not:
#   - on the local cluster, for Istio's official source only: takes the charts from the Go module proxy instead,
#     manifests/charts of the istio.io/istio module at the release (or at the newest served commit of its line,
#     scripts/tools/istio-module.sh), linked into .local/charts/<version>; says so in one WARNING line per version and
#     prints the ISTIO_CHARTS_DIR to use;
#   - anywhere else (a configured cluster, or a mirror the stack names): fails in one line with the fix. A stack's
#     source is never replaced there.
# Prints nothing when the stack's own source applies.
#
# Usage: bash scripts/charts.sh STACK_FILE local|configured
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export GOTOOLCHAIN=local
source "$root/scripts/tools/istio-module.sh"

stack_file=${1:?usage: charts.sh STACK_FILE local|configured}
cluster=${2:?usage: charts.sh STACK_FILE local|configured}
mapfile -t plan < <(node --require "$root/scripts/register-ts.js" "$root/scripts/chartSources.ts" "$stack_file")
[[ ${#plan[@]} -gt 3 ]] || exit 0
kind=${plan[0]} source_url=${plan[1]} problem=${plan[2]}
if [[ $cluster != local || $kind != official ]]; then
  echo "pulumi.sh: error: $problem" >&2
  exit 1
fi

charts=$root/.local/charts
mkdir -p "$charts"
for release in "${plan[@]:3}"; do
  if [[ ! -e $charts/$release/base/Chart.yaml ]]; then
    if ! missing=$(istio_resolve_module "$release" 2>&1 >/dev/null); then
      echo "pulumi.sh: error: $source_url cannot be reached, and $missing. Fix: set mesh.charts.repository to a mirror you reach, or ISTIO_CHARTS_DIR to a local copy of Istio's charts ({version} in the path is replaced)" >&2
      exit 1
    fi
    istio_resolve_module "$release"
    dir=$(istio_module_dir "$ISTIO_MODULE")
    [[ -d $dir/manifests/charts ]] || {
      echo "pulumi.sh: error: $source_url cannot be reached, and istio.io/istio@$ISTIO_MODULE could not be downloaded from the Go module proxy. Fix: set mesh.charts.repository to a mirror you reach, or ISTIO_CHARTS_DIR to a local copy of Istio's charts" >&2
      exit 1
    }
    ln -sfn "$dir/manifests/charts" "$charts/$release"
    printf '%s\n' "${ISTIO_MODULE_SUBSTITUTE:-istio.io/istio@$ISTIO_MODULE (the $release release commit)}" >"$charts/$release.source"
  fi
  echo "pulumi.sh: WARNING: $source_url cannot be reached; Istio's charts come from the Go module proxy instead: $(cat "$charts/$release.source")" >&2
done
echo "$charts/{version}"
