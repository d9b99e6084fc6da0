#!/usr/bin/env bash
# Builds everything the real runs need, from Go modules, into .local/ (idempotent; cached): the Pulumi engine and its
# provider plugins (engine.sh), the local cluster's binaries (kube.sh), and istiod and istioctl (istio.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bash "$here/engine.sh"
bash "$here/kube.sh"
# Only scripts/istiod.sh and the istiod end-to-end suite (which says it skipped) need these, so a release the module
# proxy cannot build does not stop the rest.
bash "$here/istio.sh" ||
  echo "build.sh: WARNING: istiod and istioctl were not built (see above); set ISTIO_VERSION or ISTIO_MODULE_VERSION" >&2
