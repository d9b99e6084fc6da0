# Sourced by the project's scripts: the Node that @pulumi/pulumi supports (node_modules/.bin), the engine built into
# .local/bin when there is one, project-local plugins, and a local file state backend unless one is configured.
# Anything already set in the environment wins.
root=${root:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}

# node_modules/.bin first: it holds Node 24 from the `node` package, which the language host must run.
export PATH="$root/node_modules/.bin:$root/.local/bin:$PATH"
if [[ -x $root/.local/bin/pulumi ]]; then
  # The engine built here keeps its plugins in the project, so nothing is looked up elsewhere.
  export PULUMI_HOME=${PULUMI_HOME:-$root/.local/pulumi}
fi
# A local file backend: no login, state in .local/state (git-ignored). Set PULUMI_BACKEND_URL to use your own.
export PULUMI_BACKEND_URL=${PULUMI_BACKEND_URL:-file://$root/.local/state}
mkdir -p "$root/.local/state"
# The passphrase that encrypts this stack's secrets (the CA keys). Empty by default for local runs; set your own for
# any shared backend.
export PULUMI_CONFIG_PASSPHRASE=${PULUMI_CONFIG_PASSPHRASE-}
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=${PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION:-true}
# The program runs transpile-only: `npm test` type-checks it (tsc), so ts-node does not type-check it again on every
# preview and up, which costs seconds whenever its cache is cold (a new checkout, workspace or edited file). And
# Node.js keeps the compiled code of the program's dependencies between runs.
export PULUMI_NODEJS_TRANSPILE_ONLY=${PULUMI_NODEJS_TRANSPILE_ONLY:-true}
export NODE_COMPILE_CACHE=${NODE_COMPILE_CACHE:-$root/.local/node-compile-cache}
