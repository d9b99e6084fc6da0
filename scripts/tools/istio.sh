#!/usr/bin/env bash
# Builds Istio's control plane, its workload agent and CLI from the istio.io/istio Go module into .local/bin/:
#   pilot-discovery   istiod (istio.io/istio/pilot/cmd/pilot-discovery)
#   pilot-agent       the agent beside every workload (istio.io/istio/pilot/cmd/pilot-agent): its certificate, its xDS
#   istioctl          (istio.io/istio/istioctl/cmd/istioctl)
# Nothing prebuilt is downloaded. Re-running is cheap: when the stamp file records the same module version and
# stamped version, and every binary exists, nothing is built.
#
# Environment:
#   ISTIO_VERSION          the release, as Istio tags it (no "v"); default: the one already built, else 1.30.3
#   ISTIO_MODULE_VERSION   the istio.io/istio module version to build, when the module proxy cannot resolve the tag
#                          (see resolve_module below)
#
# Usage: scripts/tools/istio.sh [--force]
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
bin="$root/.local/bin"
work="$root/.local/go"

module=istio.io/istio
stamp="$bin/.istio.stamp"
# The stamp's first line is the request it was built for: "<ISTIO_VERSION> <ISTIO_MODULE_VERSION or empty>".
if [[ -z ${ISTIO_VERSION:-} && -f $stamp ]]; then
  read -r ISTIO_VERSION stamped_module <"$stamp" || true
  ISTIO_MODULE_VERSION=${ISTIO_MODULE_VERSION:-$stamped_module}
fi
ISTIO_VERSION=${ISTIO_VERSION:-1.30.3}

export GOTOOLCHAIN=local
export CGO_ENABLED=0

force=false
[[ ${1:-} == --force ]] && force=true

mkdir -p "$bin" "$work"

log() { printf '[istio.sh] %s\n' "$*" >&2; }
warn() { printf '[istio.sh] WARNING: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

json_field() { sed -n "s/^[[:space:]]*\"$1\": \"\(.*\)\",\{0,1\}$/\1/p" | head -n1; }

# Istio tags releases without a "v" (1.30.3), so a tag is not a module version: the module has only pseudo-versions,
# and `go list -m istio.io/istio@1.30.3` asks the proxy to resolve the tag to the pseudo-version of its commit. A
# proxy that does not resolve tags (a mirror that serves a fixed set of versions) gets the newest commit of the same
# release line known to build from it, from this table, with a WARNING: that is the release branch after the tag,
# not the tag itself. ISTIO_MODULE_VERSION overrides both.
#   line  module version                        what it is
#   1.31  v0.0.0-20260827124520-eed52ebb66ad    release-1.31 branch, 2026-08-27, a few fixes after 1.31.0-rc.0;
#                                               its manifests/charts are identical to 1.31.0-rc.0's
# (Such a mirror may serve release-1.30 commits without their pinned istio.io/api, istio.io/client-go and
# go-control-plane versions; only commits whose whole dependency graph it serves belong in the table.)
line_snapshots=(
  "1.31 v0.0.0-20260827124520-eed52ebb66ad"
)

# Prints the module version to build for ISTIO_VERSION.
resolve_module() {
  local resolved entry line
  if [[ -n ${ISTIO_MODULE_VERSION:-} ]]; then
    warn "building $module@$ISTIO_MODULE_VERSION (ISTIO_MODULE_VERSION) as Istio $ISTIO_VERSION"
    echo "$ISTIO_MODULE_VERSION"
    return
  fi
  if resolved=$(cd "$work" && go list -m -json "$module@$ISTIO_VERSION" 2>/dev/null | json_field Version) &&
    [[ -n $resolved ]]; then
    echo "$resolved"
    return
  fi
  line=${ISTIO_VERSION%%-*}
  line=${line%.*}
  for entry in "${line_snapshots[@]}"; do
    if [[ ${entry%% *} == "$line" ]]; then
      warn "the module proxy does not resolve $module@$ISTIO_VERSION; building ${entry#* }," \
        "a commit of the $line release line (not the $ISTIO_VERSION tag), stamped as $ISTIO_VERSION"
      echo "${entry#* }"
      return
    fi
  done
  die "the module proxy does not resolve $module@$ISTIO_VERSION and no commit of the $line line is known;" \
    "set ISTIO_MODULE_VERSION to a module version of that release"
}

# Cheap check first: a stamp written for this ISTIO_VERSION (and override) with every binary present needs no
# proxy round trip at all.
request="$ISTIO_VERSION ${ISTIO_MODULE_VERSION:-}"
if ! $force && [[ -x $bin/pilot-discovery && -x $bin/pilot-agent && -x $bin/istioctl && -f $stamp ]] &&
  [[ $(sed -n 1p "$stamp") == "$request" ]]; then
  log "istio: $(sed -n 2p "$stamp") already built"
  exit 0
fi

version=$(resolve_module)
info=$(cd "$work" && go mod download -json "$module@$version")
gomod=$(json_field GoMod <<<"$info")
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
