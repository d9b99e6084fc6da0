#!/usr/bin/env bash
# Builds the Pulumi engine this project deploys with, from Go modules fetched through the Go module proxy
# (no prebuilt downloads), into the git-ignored .local/ folder:
#
#   .local/bin/pulumi                      Pulumi CLI
#   .local/bin/pulumi-language-nodejs      Node.js language host
#   .local/bin/pulumi-resource-kubernetes  provider plugins; each is also installed into
#   .local/bin/pulumi-resource-tls         PULUMI_HOME=.local/pulumi with `pulumi plugin install --file`,
#   .local/bin/pulumi-resource-random      under the version package-lock.json asks for
#
# Versions are read from package-lock.json (@pulumi/pulumi, @pulumi/kubernetes, @pulumi/tls, @pulumi/random).
# Each program is built from a small wrapper module in .local/go/<program>/ and is skipped while
# .local/bin/<program> exists and .local/go/<program>/stamp records the same inputs, so a second run is instant.
#
# Usage: scripts/tools/engine.sh [program ...]     (default: all five; program = a binary name above)
#
# Where the module proxy does not serve the exact release, the script builds the nearest thing it does serve and
# says so with a WARNING line; the cases are explained next to each builder below.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
local_dir=$root/.local
bin_dir=$local_dir/bin
go_dir=$local_dir/go

export GOTOOLCHAIN=local
export PULUMI_HOME=$local_dir/pulumi
export PULUMI_SKIP_UPDATE_CHECK=true

# Bump when the recipe below changes, so that binaries built by an older recipe are rebuilt.
recipe=1

mkdir -p "$bin_dir" "$go_dir" "$PULUMI_HOME"

# One run at a time: a second run waits here, then finds the first one's binaries fresh.
exec 9>"$go_dir/.engine.lock"
flock 9

log() { printf 'engine: %s\n' "$*" >&2; }
warn() { printf 'engine: WARNING: %s\n' "$*" >&2; }

lock_version() {
  (cd "$root" && node -p "require('./package-lock.json').packages['node_modules/$1'].version")
}

# fresh NAME KEY: true when .local/bin/NAME exists and its stamp records KEY.
fresh() {
  [[ -x $bin_dir/$1 && -f $go_dir/$1/stamp && "$(cat "$go_dir/$1/stamp")" == "$2" ]]
}

stamp() { printf '%s\n' "$2" >"$go_dir/$1/stamp"; }

# served MODULE@VERSION: true when the proxy serves that module version (its zip, not only its metadata).
served() { (cd "$go_dir" && go mod download "$1" >/dev/null 2>&1); }

# mod_dir MODULE@VERSION: downloads a module and prints its read-only directory in the module cache.
mod_dir() {
  (cd "$go_dir" && go mod download -json "$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
}

# mod_file MODULE@VERSION: prints the path of the module's go.mod in the module cache.
mod_file() {
  (cd "$go_dir" && go mod download -json "$1" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
}

# first_served MODULE WANT: WANT if the proxy serves it, else the lowest served release above it.
first_served() {
  local mod=$1 want=$2 v
  if served "$mod@$want"; then
    echo "$want"
    return
  fi
  for v in $( (cd "$go_dir" && go list -m -versions "$mod") | tr ' ' '\n' | tail -n +2 | sort -V); do
    if [[ $(printf '%s\n%s\n' "$want" "$v" | sort -V | head -1) == "$want" ]] && served "$mod@$v"; then
      warn "$mod@$want is not served by the module proxy; using $v, the next release it serves"
      echo "$v"
      return
    fi
  done
  log "no version of $mod at or above $want is served by the module proxy"
  return 1
}

# restate_replaces GOMOD: prints, as replace directives, the replaces of an upstream go.mod that point at
# another module version. `go build`/`go get` ignore replace directives of dependencies, so a wrapper must
# repeat the ones the upstream build relies on. Directory replaces (../sdk and the like) are left out: they point
# into the upstream repository, and the module they stand for resolves from the proxy instead.
restate_replaces() {
  awk '
    /^replace[ \t]*\(/ { block = 1; next }
    block && /^\)/ { block = 0; next }
    block { print; next }
    /^replace[ \t]/ { sub(/^replace[ \t]+/, ""); print }
  ' "$1" | sed 's://.*$::' | awk -F'=>' 'NF == 2 { split($2, to, " "); if (to[1] !~ /^[.\/]/ && to[2] != "") print "replace " $0 }'
}

# new_wrapper NAME: empties .local/go/NAME and makes it the current directory.
new_wrapper() {
  rm -rf "${go_dir:?}/$1"
  mkdir -p "$go_dir/$1"
  cd "$go_dir/$1"
}

# install_plugin NAME VERSION: registers .local/bin/pulumi-resource-NAME in PULUMI_HOME (works offline).
install_plugin() {
  "$bin_dir/pulumi" plugin install resource "$1" "$2" --file "$bin_dir/pulumi-resource-$1" --reinstall
}

# fresh_plugin NAME VERSION KEY: like fresh, and reinstalls the plugin if PULUMI_HOME lost it.
fresh_plugin() {
  fresh "pulumi-resource-$1" "$3" || return 1
  [[ -d $PULUMI_HOME/plugins/resource-$1-v$2 ]] || install_plugin "$1" "$2"
  log "pulumi-resource-$1: up to date"
}

# timing: "<program>: <phase> in Ns" lines, to tell module downloads from compiling.
phase_start=$SECONDS
phase() {
  log "$1: $2 in $((SECONDS - phase_start))s"
  phase_start=$SECONDS
}

# ---------------------------------------------------------------------------------------------------------------
# Pulumi CLI: github.com/pulumi/pulumi/pkg/v3/cmd/pulumi at the version of @pulumi/pulumi. When the proxy does not
# serve that release of pkg/v3, the next release it serves is used (a newer CLI runs programs of an older SDK).
build_pulumi() {
  local want key mod=github.com/pulumi/pulumi/pkg/v3 version
  want=v$(lock_version @pulumi/pulumi)
  key="pulumi sdk=$want recipe=$recipe"
  if fresh pulumi "$key"; then log "pulumi: up to date"; return; fi
  version=$(first_served "$mod" "$want")
  log "pulumi: building $mod/cmd/pulumi@$version"
  new_wrapper pulumi
  {
    printf 'module local.build/pulumi\n\ngo 1.26\n\n'
    restate_replaces "$(mod_file "$mod@$version")"
  } >go.mod
  go get "$mod/cmd/pulumi@$version"
  phase pulumi "modules resolved and downloaded"
  go build -trimpath -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
    -o "$bin_dir/pulumi" "$mod/cmd/pulumi"
  phase pulumi "compiled"
  stamp pulumi "$key"
}

# ---------------------------------------------------------------------------------------------------------------
# Node.js language host. It is the module github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3,
# released with the same version as @pulumi/pulumi. When the proxy does not serve it, the fallback is the host as
# it was before it became its own module: the package nodejs/cmd/pulumi-language-nodejs inside sdk/v3, whose
# newest copy the proxy serves is in sdk/v3 v3.68.0. The engine talks to it through the language host gRPC
# protocol, which newer engines keep serving to older hosts.
langhost_fallback=v3.68.0
build_language_host() {
  local want key mod=github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3 version pkg
  want=v$(lock_version @pulumi/pulumi)
  key="pulumi-language-nodejs sdk=$want fallback=$langhost_fallback recipe=$recipe"
  if fresh pulumi-language-nodejs "$key"; then log "pulumi-language-nodejs: up to date"; return; fi
  if served "$mod@$want"; then
    version=$want
    pkg=$mod
  else
    version=$langhost_fallback
    mod=github.com/pulumi/pulumi/sdk/v3
    pkg=$mod/nodejs/cmd/pulumi-language-nodejs
    warn "the Node.js language host module is not served at $want by the module proxy;" \
      "building the host from $mod@$version instead"
  fi
  log "pulumi-language-nodejs: building $pkg@$version"
  new_wrapper pulumi-language-nodejs
  {
    printf 'module local.build/pulumi-language-nodejs\n\ngo 1.26\n\n'
    restate_replaces "$(mod_file "$mod@$version")"
  } >go.mod
  go get "$pkg@$version"
  phase pulumi-language-nodejs "modules resolved and downloaded"
  go build -trimpath -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
    -o "$bin_dir/pulumi-language-nodejs" "$pkg"
  phase pulumi-language-nodejs "compiled"
  stamp pulumi-language-nodejs "$key"
}

# ---------------------------------------------------------------------------------------------------------------
# Kubernetes provider: github.com/pulumi/pulumi-kubernetes/provider/v4. The repository tags releases as vX.Y.Z, not
# provider/vX.Y.Z, so the module has no versions of its own: a release is reachable only as the pseudo-version of
# the commit its tag points at. This table maps releases to those pseudo-versions (v4.25.0 is tagged on commit
# f47bc2d6f199). Releases missing from it, or not served by the module proxy, fall back to the newest commit the
# proxy serves.
k8s_commits=(
  "4.25.0 v4.0.0-20260115033456-f47bc2d6f199"
)
build_kubernetes() {
  local want key mod=github.com/pulumi/pulumi-kubernetes/provider/v4 version="" release="" entry src sdk_req sdk
  want=$(lock_version @pulumi/kubernetes)
  key="pulumi-resource-kubernetes $want commits=${k8s_commits[*]} recipe=$recipe"
  if fresh_plugin kubernetes "$want" "$key"; then return; fi
  for entry in "${k8s_commits[@]}"; do
    if [[ ${entry%% *} == "$want" ]] && served "$mod@${entry#* }"; then
      version=${entry#* }
      release=$want
    fi
  done
  if [[ -z $version ]]; then
    # Not in the table (or not served): take the newest commit the proxy serves and name its release if known.
    version=$( (cd "$go_dir" && go list -m "$mod@latest") | awk '{print $2}')
    release=$version
    for entry in "${k8s_commits[@]}"; do
      [[ ${entry#* } == "$version" ]] && release=${entry%% *}
    done
    warn "pulumi-kubernetes $want: the module proxy serves no commit known to be that release;" \
      "building $mod@$version (release $release) and installing it as plugin version $want"
  fi
  log "pulumi-resource-kubernetes: building $mod@$version (release $release)"
  new_wrapper pulumi-resource-kubernetes
  # The provider binary embeds schema-embed.json and terraform-mapping-embed.json, which upstream generates at build
  # time (go generate: the committed schema.json with its version set, minified) and so are not in the module zip.
  # The build therefore runs in a writable copy of the module, where the generator is run first.
  src=$(mod_dir "$mod@$version")
  cp -r "$src" provider
  chmod -R u+w provider
  cd provider
  # The module replaces its SDK with ../sdk, a directory of the repository that is not part of the module. The
  # provider imports a few packages of that SDK, so the replace is dropped and the SDK is taken from the proxy: the
  # required version if served, else the next one it serves.
  sdk_req=$(go mod edit -json | node -e '
    const m = JSON.parse(require("fs").readFileSync(0, "utf8"));
    console.log(m.Require.find(r => r.Path === "github.com/pulumi/pulumi-kubernetes/sdk/v4").Version)')
  sdk=$(first_served github.com/pulumi/pulumi-kubernetes/sdk/v4 "$sdk_req")
  go mod edit -dropreplace github.com/pulumi/pulumi-kubernetes/sdk/v4
  go get "github.com/pulumi/pulumi-kubernetes/sdk/v4@$sdk"
  go list -e -deps ./cmd/pulumi-resource-kubernetes >/dev/null # downloads what the build needs
  phase pulumi-resource-kubernetes "modules resolved and downloaded"
  (cd cmd/pulumi-resource-kubernetes && VERSION=$want go run generate.go)
  # The binary is stamped with the release its code really is; the plugin is installed under the lock version,
  # the one the @pulumi/kubernetes SDK asks the engine for (the engine loads only an exact version match).
  go build -trimpath -ldflags "-s -w -X $mod/pkg/version.Version=$release" \
    -o "$bin_dir/pulumi-resource-kubernetes" ./cmd/pulumi-resource-kubernetes
  phase pulumi-resource-kubernetes "compiled"
  install_plugin kubernetes "$want"
  stamp pulumi-resource-kubernetes "$key"
}

# ---------------------------------------------------------------------------------------------------------------
# TLS and random providers. Upstream (pulumi-tls, pulumi-random) they are Terraform providers bridged with
# pulumi-terraform-bridge; the module proxy serves neither github.com/pulumi/pulumi-tls/provider/v5 nor
# github.com/pulumi/pulumi-random/provider/v4, but it serves their parts: the bridge and the upstream Terraform
# providers. The wrapper assembles the same kind of bridged provider from them:
#   shim/         a module nested under the Terraform provider's import path, so that it may import the
#                 provider's internal/provider package (Go allows internal imports from below the parent path);
#                 upstream keeps the same two-file shim next to its provider, outside its module zip
#   info/         the bridge's ProviderInfo: the token names (tls:index/privateKey:PrivateKey,
#                 random:index/randomString:RandomString, ...) that the @pulumi/tls and @pulumi/random SDKs use
#   cmd/pulumi-tfgen-NAME/     generates the Pulumi schema and bridge metadata from that ProviderInfo
#   cmd/pulumi-resource-NAME/  the provider, embedding what the generator wrote (schema-embed.json,
#                 bridge-metadata.json are build outputs upstream too, so they are generated here)
# Both binaries are stamped with the lock version: the bridge refuses to start without a version.
bridge_version=v3.120.0 # the newest pulumi-terraform-bridge the module proxy serves
tf_sdk_fork=v2.0.0-20260318212141-5525259d096b # github.com/pulumi/terraform-plugin-sdk/v2, see build_bridged
# Terraform provider commits (the newest the module proxy serves; the upstream repositories publish no Go versions)
tls_tf_module=github.com/hashicorp/terraform-provider-tls
tls_tf_version=v1.2.1-0.20260819085117-d044ca7c6f52
random_tf_module=github.com/terraform-providers/terraform-provider-random
random_tf_version=v1.3.2-0.20260824155315-e1092b0cfc07

write_tls_info() {
  cat >info/info.go <<'EOF'
// Package info describes the bridged TLS provider.
package info

import (
	"github.com/hashicorp/terraform-provider-tls/shim"
	pf "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
)

// Version is set at build time with -ldflags -X.
var Version string

// Provider maps tls_<name> Terraform resources to tls:index/<name>:<Name> Pulumi tokens.
func Provider(metadata []byte) tfbridge.ProviderInfo {
	info := tfbridge.ProviderInfo{
		P:                              pf.ShimProvider(shim.NewProvider()),
		Name:                           "tls",
		Description:                    "A Pulumi package to create TLS resources in Pulumi programs.",
		License:                        "Apache-2.0",
		Version:                        Version,
		GitHubOrg:                      "hashicorp",
		MetadataInfo:                   tfbridge.NewProviderMetadata(metadata),
		EnableZeroDefaultSchemaVersion: true,
		EnableAccurateBridgePreview:    true,
	}
	info.MustComputeTokens(tokens.SingleModule("tls_", "index", tokens.MakeStandard("tls")))
	return info
}
EOF
}

write_random_info() {
  cat >info/info.go <<'EOF'
// Package info describes the bridged random provider.
package info

import (
	"context"
	"errors"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	bridge "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/terraform-providers/terraform-provider-random/shim"
)

// Version is set at build time with -ldflags -X.
var Version string

// Provider maps random_<name> Terraform resources to random:index/random<Name>:Random<Name> Pulumi tokens.
func Provider(metadata []byte) bridge.ProviderInfo {
	info := bridge.ProviderInfo{
		P:            tfbridge.ShimProvider(shim.NewProvider()),
		Name:         "random",
		Description:  "A Pulumi package to safely use randomness in Pulumi programs.",
		License:      "Apache-2.0",
		Version:      Version,
		MetadataInfo: bridge.NewProviderMetadata(metadata),
		Resources: map[string]*bridge.ResourceInfo{
			// random_bytes has no id attribute: its id is its value, as in the upstream provider.
			"random_bytes": {ComputeID: func(_ context.Context, state resource.PropertyMap) (resource.ID, error) {
				v := state["base64"]
				if v.IsSecret() {
					v = v.SecretValue().Element
				}
				if !v.IsString() {
					return "", errors.New("random_bytes: no base64 property in state")
				}
				return resource.ID(v.StringValue()), nil
			}},
		},
		EnableAccurateBridgePreview: true,
		EnableRawStateDelta:         true,
	}
	standard := tokens.MakeStandard("random")
	info.MustComputeTokens(tokens.SingleModule("random_", "index", func(module, name string) (string, error) {
		return standard(module, "Random"+name)
	}))
	return info
}
EOF
}

# build_bridged NAME TF_MODULE TF_VERSION INTERNAL_IMPORT
build_bridged() {
  local name=$1 tf_module=$2 tf_version=$3 internal=$4 want key program wrapper
  program=pulumi-resource-$name
  want=$(lock_version "@pulumi/$name")
  key="$program $want bridge=$bridge_version sdk=$tf_sdk_fork tf=$tf_version recipe=$recipe"
  if fresh_plugin "$name" "$want" "$key"; then return; fi
  warn "the module proxy serves no pulumi-$name provider module; assembling the bridged provider from" \
    "pulumi-terraform-bridge $bridge_version and $tf_module@$tf_version, installed as plugin version $want"
  new_wrapper "$program"
  wrapper=local.build/$program
  mkdir -p shim info "cmd/pulumi-tfgen-$name" "cmd/$program"
  cat >shim/go.mod <<EOF
module $tf_module/shim

go 1.25

require $tf_module $tf_version
EOF
  cat >shim/shim.go <<EOF
// Package shim exposes the Terraform provider, whose implementation is internal to its module.
package shim

import (
	"github.com/hashicorp/terraform-plugin-framework/provider"
	tf "$tf_module/$internal"
)

func NewProvider() provider.Provider { return tf.New() }
EOF
  "write_${name}_info"
  cat >"cmd/pulumi-tfgen-$name/main.go" <<EOF
package main

import (
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfgen"

	"$wrapper/info"
)

func main() { tfgen.Main("$name", info.Provider(nil)) }
EOF
  cat >"cmd/$program/main.go" <<EOF
package main

import (
	"context"
	_ "embed"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"

	"$wrapper/info"
)

//go:embed schema-embed.json
var schema []byte

//go:embed bridge-metadata.json
var metadata []byte

func main() {
	tfbridge.Main(context.Background(), "$name", info.Provider(metadata), tfbridge.ProviderMetadata{PackageSchema: schema})
}
EOF
  # Placeholders so that the module resolves before the generator has produced the real files.
  echo '{}' >"cmd/$program/schema-embed.json"
  echo '{}' >"cmd/$program/bridge-metadata.json"
  {
    printf 'module %s\n\ngo 1.26\n\n' "$wrapper"
    printf 'require (\n\t%s/shim v0.0.0\n\t%s %s\n\tgithub.com/pulumi/pulumi-terraform-bridge/v3 %s\n)\n\n' \
      "$tf_module" "$tf_module" "$tf_version" "$bridge_version"
    printf 'replace %s/shim => ./shim\n\n' "$tf_module"
    # The bridge builds against Pulumi's fork of terraform-plugin-sdk/v2: its go.mod replaces the module with the
    # fork, which a wrapper has to repeat. The fork commit it names predates terraform-plugin-go v0.31, which these
    # Terraform providers require and whose ProviderServer interface that commit does not implement, so a later
    # fork commit is named instead. Any other replace of the bridge's go.mod is repeated as it is.
    printf 'replace github.com/hashicorp/terraform-plugin-sdk/v2 => github.com/pulumi/terraform-plugin-sdk/v2 %s\n' \
      "$tf_sdk_fork"
    restate_replaces "$(mod_file "github.com/pulumi/pulumi-terraform-bridge/v3@$bridge_version")" |
      grep -v '^replace github.com/hashicorp/terraform-plugin-sdk/v2 ' || true
  } >go.mod
  go mod tidy
  phase "$program" "modules resolved and downloaded"
  local ldflags="-s -w -X $wrapper/info.Version=$want"
  go build -trimpath -ldflags "$ldflags" -o "$go_dir/$program/pulumi-tfgen-$name" "./cmd/pulumi-tfgen-$name"
  # Docs are skipped: they only feed the descriptions of SDKs generated from the schema, not the provider.
  "./pulumi-tfgen-$name" schema --skip-docs --skip-examples --out "cmd/$program"
  # As upstream's generate step does: the generator leaves the version out of schema.json; the embedded copy
  # carries it, minified.
  node -e '
    const fs = require("fs");
    const spec = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    spec.version = process.argv[3];
    fs.writeFileSync(process.argv[2], JSON.stringify(spec));
  ' "cmd/$program/schema.json" "cmd/$program/schema-embed.json" "$want"
  go build -trimpath -ldflags "$ldflags" -o "$bin_dir/$program" "./cmd/$program"
  phase "$program" "compiled"
  install_plugin "$name" "$want"
  stamp "$program" "$key"
}

build_tls() { build_bridged tls "$tls_tf_module" "$tls_tf_version" internal/provider; }
build_random() { build_bridged random "$random_tf_module" "$random_tf_version" internal/provider; }

# The dynamic-provider host that the Pulumi CLI ships beside the language host (sdk/nodejs/dist in Pulumi's source):
# a three-line launcher of @pulumi/pulumi's own dynamic provider, which the project's intermediate CA resource runs in.
install_dynamic_provider_host() {
  local target=$bin_dir/pulumi-resource-pulumi-nodejs
  cat >"$target" <<'SHIM'
#!/bin/sh
PULUMI_DYNAMIC_PROVIDER_SCRIPT_PATH=$(node -e "console.log(require.resolve('@pulumi/pulumi/cmd/dynamic-provider'))")
if [ ! -z "$PULUMI_DYNAMIC_PROVIDER_SCRIPT_PATH" ]; then
    exec node "$PULUMI_DYNAMIC_PROVIDER_SCRIPT_PATH" "$@"
fi
SHIM
  chmod +x "$target"
}

# ---------------------------------------------------------------------------------------------------------------
programs=("$@")
[[ ${#programs[@]} -gt 0 ]] ||
  programs=(pulumi pulumi-language-nodejs pulumi-resource-kubernetes pulumi-resource-tls pulumi-resource-random)
for program in "${programs[@]}"; do
  phase_start=$SECONDS
  case $program in
  pulumi) (build_pulumi) ;;
  pulumi-language-nodejs) (build_language_host) && install_dynamic_provider_host ;;
  pulumi-resource-*)
    if [[ ! -x $bin_dir/pulumi ]]; then (build_pulumi); fi # needed to install the plugin
    case $program in
    pulumi-resource-kubernetes) (build_kubernetes) ;;
    pulumi-resource-tls) (build_tls) ;;
    pulumi-resource-random) (build_random) ;;
    *) log "unknown program: $program" && exit 2 ;;
    esac
    ;;
  *) log "unknown program: $program" && exit 2 ;;
  esac
done
log "done: ${programs[*]}"
