#!/usr/bin/env bash
# Builds everything the real runs need, from Go modules, into .local/ (idempotent; cached): the Pulumi engine and its
# provider plugins (engine.sh), and the local cluster's binaries (kube.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bash "$here/engine.sh"
bash "$here/kube.sh"
