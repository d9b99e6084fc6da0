#!/usr/bin/env bash
# Builds xdsprobe (this folder, the project's own proxyless gRPC workload) into .local/bin/ from the Go module proxy.
# Cached: nothing is built when the stamp records the same sources.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
bin="$root/.local/bin"
stamp="$bin/.xdsprobe.stamp"
export GOTOOLCHAIN=local CGO_ENABLED=0
want=$(cat "$here/go.mod" "$here/go.sum" "$here"/*.go 2>/dev/null | sha256sum | cut -d' ' -f1)
if [[ ${1:-} != --force && -x $bin/xdsprobe && -f $stamp && $(<"$stamp") == "$want" ]]; then
  echo "[xdsprobe] already built" >&2
  exit 0
fi
mkdir -p "$bin"
start=$SECONDS
(cd "$here" && go build -trimpath -ldflags "-s -w" -o "$bin/xdsprobe" .)
echo "$want" >"$stamp"
echo "[xdsprobe] built in $((SECONDS - start))s" >&2
