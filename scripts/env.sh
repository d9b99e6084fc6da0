# Sourced by the project's scripts: the Node that @pulumi/pulumi supports (node_modules/.bin), the Pulumi engine (see
# select_pulumi_engine below), and a local file state backend unless one is configured. Anything already set in the
# environment wins.
root=${root:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}

# node_modules/.bin first: it holds Node 24 from the `node` package, which the language host must run.
export PATH="$root/node_modules/.bin:$PATH"

# The Pulumi engine a run uses, first found of:
#   1. the CLI of the `pulumi` npm package (package.json pins it), once it has downloaded it: it fetches that CLI
#      release from get.pulumi.com on first use into $PULUMI_HOME/versions/<version> (scripts/pulumi.sh asks it to);
#   2. the engine built from Go modules into .local/bin (scripts/tools/engine.sh), with its plugins installed in
#      PULUMI_HOME=.local/pulumi;
#   3. a `pulumi` of your own on PATH.
# It sets PULUMI_ENGINE to a description of the one chosen (empty when there is none yet) and puts it first on PATH,
# before the npm package's launcher in node_modules/.bin.
select_pulumi_engine() {
  local version home cli
  version=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$root/node_modules/pulumi/package.json" 2>/dev/null || true)
  home=${PULUMI_HOME:-$HOME/.pulumi}
  cli=$home/versions/$version/bin/pulumi
  if [[ -n $version && -x $cli ]]; then
    export PATH="${cli%/pulumi}:$PATH"
    PULUMI_ENGINE="Pulumi CLI $version of the pulumi npm package ($cli)"
  elif [[ -x $root/.local/bin/pulumi ]]; then
    export PATH="$root/.local/bin:$PATH"
    # Its plugins are installed in the project's PULUMI_HOME under the versions the SDKs ask for; the same binaries
    # sit in .local/bin, where the engine would also find them on PATH and warn about each one. It ignores PATH
    # and takes them from PULUMI_HOME (the language host and pulumi-resource-pulumi-nodejs still come from beside
    # the engine, as Pulumi ships them).
    export PULUMI_HOME=${PULUMI_HOME:-$root/.local/pulumi}
    export PULUMI_IGNORE_AMBIENT_PLUGINS=${PULUMI_IGNORE_AMBIENT_PLUGINS:-true}
    # Plugins come from that build only; nothing is downloaded.
    export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=${PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION:-true}
    PULUMI_ENGINE="Pulumi engine built from Go modules ($root/.local/bin/pulumi)"
  else
    PULUMI_ENGINE=""
    while read -r cli; do
      if [[ $cli != "$root/node_modules/.bin/pulumi" ]]; then
        export PATH="${cli%/pulumi}:$PATH"
        PULUMI_ENGINE="Pulumi CLI on PATH ($cli)"
        break
      fi
    done < <(type -ap pulumi)
  fi
}
select_pulumi_engine

# A local file backend: no login, state in .local/state (git-ignored). Set PULUMI_BACKEND_URL to use your own.
export PULUMI_BACKEND_URL=${PULUMI_BACKEND_URL:-file://$root/.local/state}
mkdir -p "$root/.local/state"
# The passphrase that encrypts this stack's secrets (the CA keys). Empty by default for local runs; set your own for
# any shared backend.
export PULUMI_CONFIG_PASSPHRASE=${PULUMI_CONFIG_PASSPHRASE-}
export PULUMI_SKIP_UPDATE_CHECK=true
# The program runs transpile-only: `npm test` type-checks it (tsc), so ts-node does not type-check it again on every
# preview and up, which costs seconds whenever its cache is cold (a new checkout, workspace or edited file). And
# Node.js keeps the compiled code of the program's dependencies between runs.
export PULUMI_NODEJS_TRANSPILE_ONLY=${PULUMI_NODEJS_TRANSPILE_ONLY:-true}
export NODE_COMPILE_CACHE=${NODE_COMPILE_CACHE:-$root/.local/node-compile-cache}
# Node 24 warns on every run that the TypeScript compiler touches its experimental SQLite module; the warning says
# nothing about the stack.
[[ ${NODE_OPTIONS:-} == *--disable-warning=ExperimentalWarning* ]] ||
  export NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--disable-warning=ExperimentalWarning"
