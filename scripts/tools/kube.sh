#!/usr/bin/env bash
# Builds the binaries of a local Kubernetes control plane from source through
# the Go module proxy into .local/bin/:
#   kube-apiserver, kube-controller-manager, kube-scheduler  (k8s.io/kubernetes)
#   etcd                                                     (go.etcd.io/etcd/server/v3)
#   kwok                                                     (sigs.k8s.io/kwok)
#   clusternet                                               (scripts/tools/clusternet, this project's)
# Nothing prebuilt is downloaded. Re-running is cheap: a program whose stamp
# file records the same module version (and whose binaries exist) is skipped.
#
# Usage: scripts/tools/kube.sh [--force]
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
bin="$root/.local/bin"
work="$root/.local/go"

KUBE_VERSION=${KUBE_VERSION:-v1.34.12}
ETCD_VERSION=${ETCD_VERSION:-v3.6.16}
KWOK_VERSION=${KWOK_VERSION:-v0.8.0}

# Build with the installed Go; never let a go/toolchain line fetch another one.
export GOTOOLCHAIN=local
# CGO off: static binaries, no C toolchain needed (upstream releases are built
# the same way).
export CGO_ENABLED=0

force=false
[[ ${1:-} == --force ]] && force=true

mkdir -p "$bin" "$work"

log() { printf '[kube.sh] %s\n' "$*" >&2; }

# Value of a field in the JSON that `go mod download -json` prints (no jq here).
json_field() { sed -n "s/^[[:space:]]*\"$1\": \"\(.*\)\",\{0,1\}$/\1/p" | head -n1; }

# Downloads module@version into the module cache; prints the path of its go.mod.
module_gomod() { (cd "$work" && go mod download -json "$1") | json_field GoMod; }

# The `go` and `godebug` lines of an upstream go.mod. The wrapper restates them
# because the main module's go line decides the binary's GODEBUG defaults, and
# those should be the ones upstream ships with.
go_and_godebug() { grep -E '^(go|godebug) ' "$1"; }

# Name `go build` gives a main package's binary: its last path element, or the
# one before when that is a major-version suffix (go.etcd.io/etcd/server/v3 ->
# server).
go_binary_name() {
  local p=$1 last=${1##*/}
  if [[ $last =~ ^v[0-9]+$ ]]; then p=${p%/*}; last=${p##*/}; fi
  echo "$last"
}

# build NAME MODULE VERSION REPLACES LDFLAGS BINARY=PKG...
# Writes the wrapper module .local/go/NAME/, builds each PKG in it and installs
# it as .local/bin/BINARY. `go install pkg@version` cannot be used: it refuses
# modules whose go.mod has replace directives, which Kubernetes and etcd's
# server have, so the wrapper is the main module and restates what is needed.
build() {
  local name=$1 module=$2 version=$3 replaces=$4 ldflags=$5
  shift 5
  local targets=("$@") stamp="$bin/.$name.stamp" want="$module@$version" t missing=false
  for t in "${targets[@]}"; do [[ -x "$bin/${t%%=*}" ]] || missing=true; done
  if ! $force && ! $missing && [[ -f $stamp && $(<"$stamp") == "$want" ]]; then
    log "$name: $want already built"
    return
  fi

  local pkgs=()
  for t in "${targets[@]}"; do pkgs+=("${t#*=}"); done
  log "$name: building $want (${targets[*]%%=*})"
  local dir="$work/$name" gomod
  gomod=$(module_gomod "$want")
  rm -rf "$dir"
  mkdir -p "$dir/out"
  {
    echo "module local.build/$name"
    echo
    go_and_godebug "$gomod"
    echo
    echo "require $module $version"
    if [[ -n $replaces ]]; then printf '\nreplace (\n%s\n)\n' "$replaces"; fi
  } >"$dir/go.mod"

  local start=$SECONDS
  # -mod=mod lets go fill the wrapper's go.sum (checked against the checksum
  # database) on the first build. -trimpath keeps machine paths out of the
  # binaries; -s -w drop the symbol and DWARF tables (about a third of the size).
  # All packages in one go build, so shared packages compile once.
  (cd "$dir" && go build -mod=mod -trimpath -ldflags "-s -w $ldflags" -o "$dir/out/" "${pkgs[@]}")
  for t in "${targets[@]}"; do
    mv -f "$dir/out/$(go_binary_name "${t#*=}")" "$bin/${t%%=*}"
  done
  echo "$want" >"$stamp"
  log "$name: done in $((SECONDS - start))s"
}

# --- Kubernetes -------------------------------------------------------------
# k8s.io/kubernetes requires its staging modules (k8s.io/api, k8s.io/client-go,
# ...) at v0.0.0 and replaces them with ./staging/src/...; outside its own repo
# those replaces are void, so point each at the published copy: v1.X.Y -> v0.X.Y.
kube_replaces() {
  local gomod staging_version=v0.${KUBE_VERSION#v1.}
  gomod=$(module_gomod "k8s.io/kubernetes@$KUBE_VERSION")
  # Only modules it actually requires: sample-* in the replace block are not
  # required and not all of them are published for every release.
  awk -v v="$staging_version" '
    /^replace \(/ { inblock = 1; next }
    inblock && /^\)/ { inblock = 0 }
    inblock && $2 == "=>" && $3 ~ /^\.\/staging\// { staged[$1] = 1 }
    /^require \(/ { inreq = 1; next }
    inreq && /^\)/ { inreq = 0 }
    inreq && $2 == "v0.0.0" { required[$1] = 1 }
    END { for (m in staged) if (m in required) printf "\t%s => %s %s\n", m, m, v }
  ' "$gomod" | sort
}

kube_ldflags() {
  local info time major minor rest
  info=$(cd "$work" && go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | json_field Info)
  # Release time of the module version, so the build date is reproducible.
  time=$(sed -n 's/.*"Time":"\([^"]*\)".*/\1/p' "$info")
  rest=${KUBE_VERSION#v}
  major=${rest%%.*}
  rest=${rest#*.}
  minor=${rest%%.*}
  # Same variables as hack/lib/version.sh sets in release builds. Without
  # gitVersion the binaries report v0.0.0-master and the apiserver's
  # compatibility-version checks (binary version vs. emulated version) break.
  local pkg out=""
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    out+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
    out+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$time"
  done
  echo "$out"
}

build kubernetes k8s.io/kubernetes "$KUBE_VERSION" "$(kube_replaces)" "$(kube_ldflags)" \
  kube-apiserver=k8s.io/kubernetes/cmd/kube-apiserver \
  kube-controller-manager=k8s.io/kubernetes/cmd/kube-controller-manager \
  kube-scheduler=k8s.io/kubernetes/cmd/kube-scheduler

# --- etcd -------------------------------------------------------------------
# The etcd binary's main package is the root of go.etcd.io/etcd/server/v3
# (server/main.go, which calls etcdmain). Its replaces only point at sibling
# modules of the same release, which its require lines already name at that
# version, so the wrapper restates none.
build etcd go.etcd.io/etcd/server/v3 "$ETCD_VERSION" "" "" etcd=go.etcd.io/etcd/server/v3

# --- kwok -------------------------------------------------------------------
# No replaces; built in a wrapper anyway so all programs follow one path.
build kwok sigs.k8s.io/kwok "$KWOK_VERSION" "" \
  "-X sigs.k8s.io/kwok/pkg/consts.Version=${KWOK_VERSION#v}" kwok=sigs.k8s.io/kwok/cmd/kwok

# --- clusternet ---------------------------------------------------------------
# The local cluster's "cluster network" (scripts/tools/clusternet, this project's own code, no dependencies):
# rebuilt when its sources change.
build_clusternet() {
  local src="$root/scripts/tools/clusternet" stamp="$bin/.clusternet.stamp" want start=$SECONDS
  want=$(cat "$src/go.mod" "$src"/*.go | sha256sum | cut -d' ' -f1)
  if ! $force && [[ -x $bin/clusternet && -f $stamp && $(<"$stamp") == "$want" ]]; then
    log "clusternet: already built"
    return
  fi
  log "clusternet: building"
  (cd "$src" && go build -trimpath -ldflags "-s -w" -o "$bin/clusternet" .)
  echo "$want" >"$stamp"
  log "clusternet: done in $((SECONDS - start))s"
}
build_clusternet

log "binaries in $bin (${SECONDS}s)"
