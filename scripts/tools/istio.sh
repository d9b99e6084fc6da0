#!/usr/bin/env bash
# Builds Istio's control plane, its workload agent and CLI from the istio.io/istio Go module into .local/bin/:
#   pilot-discovery   istiod (istio.io/istio/pilot/cmd/pilot-discovery)
#   pilot-agent       the agent beside every workload (istio.io/istio/pilot/cmd/pilot-agent): its certificate, its xDS
#   istioctl          (istio.io/istio/istioctl/cmd/istioctl)
# Nothing prebuilt is downloaded. Re-running is cheap: when the stamp file records the same module version and
# stamped version, and every binary exists, nothing is built.
#
# Environment:
#   ISTIO_VERSION          the release, as Istio tags it (no "v"); default: the one the dev stack pins
#                          (Pulumi.dev.yaml), so every suite and `npm run verify` find istiod for it
#   ISTIO_MODULE_VERSION   the istio.io/istio module version to build, when the module proxy cannot resolve the
#                          release (see istio-module.sh)
#
# Usage: scripts/tools/istio.sh [--force]
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
bin="$root/.local/bin"
work="$root/.local/go"

module=istio.io/istio
stamp="$bin/.istio.stamp"
# The release the dev stack pins: istio.version, or the newest of istio.revisions.
dev_pin() {
  node -e '
    const { parse } = require("yaml");
    const mesh = parse(require("fs").readFileSync(process.argv[1], "utf8"))?.config?.["istio-mesh:mesh"] ?? {};
    const pinned = mesh.istio?.revisions?.map((revision) => revision.version) ?? [mesh.istio?.version];
    const key = (v) => String(v).split(/[.-]/).slice(0, 3).map(Number);
    const newest = pinned.filter(Boolean).sort((a, b) => { const [x, y] = [key(a), key(b)]; return x[0] - y[0] || x[1] - y[1] || x[2] - y[2]; }).pop();
    if (newest) console.log(newest);
  ' "$root/Pulumi.dev.yaml"
}
ISTIO_VERSION=${ISTIO_VERSION:-$(cd "$root" && dev_pin)}
[[ -n $ISTIO_VERSION ]] || { echo "[istio.sh] error: no ISTIO_VERSION and no version pinned in Pulumi.dev.yaml" >&2; exit 1; }

export GOTOOLCHAIN=local
export CGO_ENABLED=0

force=false
[[ ${1:-} == --force ]] && force=true

mkdir -p "$bin" "$work"

log() { printf '[istio.sh] %s\n' "$*" >&2; }
warn() { printf '[istio.sh] WARNING: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

source "$root/scripts/tools/istio-module.sh"

# Cheap check first: a stamp written for this ISTIO_VERSION (and override) with every binary present needs no
# proxy round trip at all.
request="$ISTIO_VERSION ${ISTIO_MODULE_VERSION:-}"
if ! $force && [[ -x $bin/pilot-discovery && -x $bin/pilot-agent && -x $bin/istioctl && -f $stamp ]] &&
  [[ $(sed -n 1p "$stamp") == "$request" ]]; then
  log "istio: $(sed -n 2p "$stamp") already built"
  exit 0
fi

istio_resolve_module "$ISTIO_VERSION" ||
  die "cannot build istiod and istioctl for Istio $ISTIO_VERSION (above). Fix: set ISTIO_MODULE_VERSION to a module version of that release"
version=$ISTIO_MODULE
[[ -z $ISTIO_MODULE_SUBSTITUTE ]] || warn "building $ISTIO_MODULE_SUBSTITUTE, stamped as $ISTIO_VERSION"
src=$(istio_module_dir "$version")
gomod=$src/go.mod
[[ -f $gomod ]] || die "could not download $module@$version"
# The commit is the last part of a pseudo-version (v0.0.0-<time>-<12 hex>).
commit=${version##*-}

dir="$work/istio"
rm -rf "$dir"
mkdir -p "$dir/out"
# A wrapper main module, as in kube.sh: it restates the go and godebug lines (they set the binaries' GODEBUG
# defaults). Istio's go.mod has no replace directives, so `go install pkg@version` would do too, but the wrapper keeps
# one build path for every program and lets the binaries share one compilation.
{
  echo "module local.build/istio"
  echo
  grep -E '^(go|godebug) ' "$gomod"
  echo
  echo "require $module $version"
} >"$dir/go.mod"

# The variables common/scripts/report_build_info.sh sets for a release build. buildTag keeps the module version,
# so the exact source stays visible in `istioctl version -o json` whatever version is stamped.
pkg=istio.io/istio/pkg/version
ldflags="-s -w -X $pkg.buildVersion=$ISTIO_VERSION -X $pkg.buildGitRevision=$commit -X $pkg.buildStatus=Clean"
ldflags+=" -X $pkg.buildTag=$version -X $pkg.buildHub=docker.io/istio"
ldflags+=" -X $pkg.buildOS=$(go env GOOS) -X $pkg.buildArch=$(go env GOARCH)"

log "istio: building $module@$version as $ISTIO_VERSION (pilot-discovery, pilot-agent, istioctl)"
start=$SECONDS
(cd "$dir" && go build -mod=mod -trimpath -ldflags "$ldflags" -o "$dir/out/" \
  istio.io/istio/pilot/cmd/pilot-discovery istio.io/istio/pilot/cmd/pilot-agent istio.io/istio/istioctl/cmd/istioctl)
mv -f "$dir/out/pilot-discovery" "$dir/out/pilot-agent" "$dir/out/istioctl" "$bin/"
printf '%s\n%s\n' "$request" "$module@$version as $ISTIO_VERSION" >"$stamp"
log "istio: done in $((SECONDS - start))s"
