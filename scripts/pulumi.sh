#!/usr/bin/env bash
# Runs a Pulumi command on one stack (STACK, default dev) against the configured cluster; `npm run up` is the main
# job (`pulumi up`), `npm run preview` shows the diff.
#
# - The engine: the `pulumi` npm package's CLI, else the one built from Go modules into .local/bin (built on first
#   use), else one on PATH (scripts/env.sh, scripts/ensure-engine.sh). The run says which.
# - State goes to a local file backend (.local/state) unless PULUMI_BACKEND_URL says otherwise.
# - The cluster is mesh.cluster in the stack file, else KUBECONFIG, else ~/.kube/config; with none of these, the
#   local cluster of scripts/cluster.sh is started and used, with validation failing open (no istiod runs there),
#   and with Istio's charts from the Go module proxy when Istio's chart source cannot be reached (scripts/charts.sh).
#   On a configured cluster nothing is substituted: a chart source that cannot be reached fails the run at once.
#
# Usage: bash scripts/pulumi.sh COMMAND [flags]     e.g. STACK=prod npm run up -- --yes
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/env.sh"
source "$root/scripts/ensure-engine.sh"
cd "$root"

stack=${STACK:-dev}
command=${1:?usage: scripts/pulumi.sh COMMAND [flags]}
shift

# --- The engine ---------------------------------------------------------------------------------------------------
ensure_pulumi_engine

# --- A CA stack ---------------------------------------------------------------------------------------------------
# Its configuration is istio-mesh:ca (README: one root for several clusters): it holds the mesh's roots and issues the
# clusters' intermediates, and touches no cluster and no chart, so none is looked for.
if grep -Eq '^\s+istio-mesh:ca:' "Pulumi.$stack.yaml" 2>/dev/null; then
  pulumi stack select --create "$stack" >/dev/null
  lifecycle_flags=$(node "$root/scripts/recover.js" "$command" "$stack") || exit $?
  exec pulumi "$command" --stack "$stack" $lifecycle_flags "$@"
fi

# --- The cluster --------------------------------------------------------------------------------------------------
configured_cluster() {
  grep -Eq '^\s+(kubeconfig|context):' "Pulumi.$stack.yaml" 2>/dev/null
}
local_cluster=false
if ! configured_cluster && [[ -z ${KUBECONFIG:-} && ! -f $HOME/.kube/config ]]; then
  echo "pulumi.sh: no cluster configured (mesh.cluster, KUBECONFIG, ~/.kube/config); using the local cluster" >&2
  [[ -x $root/.local/bin/kube-apiserver ]] || bash "$root/scripts/tools/build.sh" cluster
  bash "$root/scripts/local-cluster-start.sh"
  export KUBECONFIG=$root/.local/${MESH_CLUSTER:-cluster}/kubeconfig
  local_cluster=true
fi

pulumi stack select --create "$stack" >/dev/null
if $local_cluster; then
  # The local cluster runs no containers, so no istiod answers the validation webhook: the stack runs there with
  # validation failing open, from a copy of its stack file (made after `stack select`, which may add the stack's
  # encryption salt to it; the stack file itself is otherwise unchanged).
  local_config=$root/.local/Pulumi.$stack.local-cluster.yaml
  node "$root/scripts/local-cluster-config.js" "Pulumi.$stack.yaml" "$local_config"
  echo "pulumi.sh: on the local cluster, mesh.webhooks.validationFailurePolicy is Ignore and mesh.readiness.probe is skip ($local_config)" >&2
  set -- --config-file "$local_config" "$@"
fi

# --- Istio's charts -----------------------------------------------------------------------------------------------
# A source that cannot be reached fails here in one line with the fix (the engine's own report of it is a provider
# error of many lines); on the local cluster only, Istio's official source is replaced by the Go module proxy.
if [[ $command == up || $command == preview ]]; then
  charts_dir=$(bash "$root/scripts/charts.sh" "Pulumi.$stack.yaml" "$($local_cluster && echo local || echo configured)")
  if [[ -n $charts_dir ]]; then export ISTIO_CHARTS_DIR=$charts_dir; fi
fi

# --- The run ------------------------------------------------------------------------------------------------------
# A preview persists no state (the engine hands it to a discarding persister), yet it serializes the whole state after
# every step that changes something; with Istio's CRDs in the state that is most of the engine's time in a preview with
# changes. Ups keep their checkpoints.
if [[ $command == preview ]]; then export PULUMI_SKIP_CHECKPOINTS=${PULUMI_SKIP_CHECKPOINTS:-true}; fi
# A lock or pending operations left by an interrupted run are resolved here; up and preview refresh first (drift).
lifecycle_flags=$(node "$root/scripts/recover.js" "$command" "$stack") || exit $?
exec pulumi "$command" --stack "$stack" $lifecycle_flags "$@"
