# Sourced by scripts/pulumi.sh after scripts/env.sh: makes sure a Pulumi engine exists and says which one the run
# uses. When env.sh found none (see select_pulumi_engine there): the `pulumi` npm package's CLI is downloaded
# (from get.pulumi.com, the package's own way) when that site answers; otherwise the engine is built from Go modules
# into .local/bin, once.
ensure_pulumi_engine() {
  if [[ -z $PULUMI_ENGINE && -f $root/node_modules/pulumi/package.json ]] && node -e '
    fetch("https://get.pulumi.com/", { method: "HEAD", signal: AbortSignal.timeout(10000) }).then(() => process.exit(0), () => process.exit(1));
  '; then
    echo "pulumi.sh: downloading the Pulumi CLI of the pulumi npm package (once)" >&2
    node "$root/node_modules/pulumi/run.js" version >/dev/null || true
    select_pulumi_engine
  fi
  if [[ -z $PULUMI_ENGINE ]]; then
    echo "pulumi.sh: the pulumi npm package cannot download its CLI here (get.pulumi.com is not reachable);" \
      "building the Pulumi engine from Go modules into .local/bin instead (once)" >&2
    bash "$root/scripts/tools/build.sh" engine
    select_pulumi_engine
  fi
  echo "pulumi.sh: engine: $PULUMI_ENGINE" >&2
}
