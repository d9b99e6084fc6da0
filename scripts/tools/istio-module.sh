# Sourced: resolves an Istio release to a version of the istio.io/istio Go module, for the builds of istiod and
# istioctl (istio.sh) and for Istio's charts (manifests/charts of the module, scripts/module-charts.sh).
#
# Istio tags releases without a "v" (1.31.0), so a release is no module version: the module has only
# pseudo-versions. In this order:
#   1. ISTIO_MODULE_VERSION, when set: that module version, as asked;
#   2. the release commits below, when the proxy serves them: the release itself;
#   3. the proxy's own resolution of the tag (`go list -m istio.io/istio@1.31.0`; proxy.golang.org resolves tags);
#   4. the newest commit of the same release line among those the proxy lists (`$GOPROXY/istio.io/istio/@v/list`),
#      the line read from the VERSION file of each commit (Istio writes its line there on every release branch):
#      not the release itself, so the caller says so with a WARNING.
# It sets ISTIO_MODULE (the module version) and ISTIO_MODULE_SUBSTITUTE (empty for the release itself, else what
# stands in for it, for the WARNING), or fails with a message saying what is missing (the caller adds its fix).
#
# Expects: root (the project), GOTOOLCHAIN=local.

# Release -> the pseudo-version of the commit its tag points at (Istio's release notes name the commit).
istio_release_commits=(
  "1.31.0 v0.0.0-20260827124520-eed52ebb66ad"
)

istio_module_work=${istio_module_work:-$root/.local/go}

# istio_module_dir VERSION: downloads the module (verified against the checksum database) and prints its directory.
istio_module_dir() {
  mkdir -p "$istio_module_work"
  (cd "$istio_module_work" && go mod download -json "istio.io/istio@$1" 2>/dev/null) |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p'
}

# The pseudo-versions the module proxy lists for istio.io/istio, newest first (`go list -m -versions` leaves
# pseudo-versions out, so the list is read from the first proxy of GOPROXY).
istio_module_listed() {
  local proxy
  proxy=$(go env GOPROXY | tr ',|' '\n\n' | grep -E '^https?://' | head -n1)
  [[ -n $proxy ]] || return 0
  node -e '
    fetch(process.argv[1], { signal: AbortSignal.timeout(30000) })
      .then((r) => (r.ok ? r.text() : ""))
      .then((t) => process.stdout.write(t), () => {});
  ' "${proxy%/}/istio.io/istio/@v/list" |
    grep -E '^v0\.0\.0-[0-9]{14}-[0-9a-f]{12}$' | sort -t- -k2,2r || true
}

# istio_resolve_module RELEASE
istio_resolve_module() {
  local release=$1 line entry resolved candidate dir
  ISTIO_MODULE=""
  ISTIO_MODULE_SUBSTITUTE=""
  if [[ -n ${ISTIO_MODULE_VERSION:-} ]]; then
    ISTIO_MODULE=$ISTIO_MODULE_VERSION
    ISTIO_MODULE_SUBSTITUTE="istio.io/istio@$ISTIO_MODULE_VERSION (ISTIO_MODULE_VERSION) for Istio $release"
    return 0
  fi
  for entry in "${istio_release_commits[@]}"; do
    if [[ ${entry%% *} == "$release" ]] && [[ -n $(istio_module_dir "${entry#* }") ]]; then
      ISTIO_MODULE=${entry#* }
      return 0
    fi
  done
  mkdir -p "$istio_module_work"
  resolved=$(cd "$istio_module_work" && go list -m -json "istio.io/istio@$release" 2>/dev/null |
    sed -n 's/^[[:space:]]*"Version": "\(.*\)",\{0,1\}$/\1/p' | head -n1)
  if [[ -n $resolved ]]; then
    ISTIO_MODULE=$resolved
    return 0
  fi
  line=${release%%-*}
  line=${line%.*}
  for candidate in $(istio_module_listed); do
    dir=$(istio_module_dir "$candidate")
    if [[ -n $dir && $(cat "$dir/VERSION" 2>/dev/null) == "$line" ]]; then
      ISTIO_MODULE=$candidate
      ISTIO_MODULE_SUBSTITUTE="istio.io/istio@$candidate, the newest commit of the $line line that the Go module proxy serves, for Istio $release (it does not serve that release)"
      return 0
    fi
  done
  printf 'the Go module proxy serves neither Istio %s nor any commit of the %s line\n' "$release" "$line" >&2
  return 1
}
