/**
 * Writes the stack file as it applies to the local cluster of scripts/cluster.sh: the same configuration, with the
 * validation webhook failing open and the readiness gate's probes skipped. That cluster runs no containers, so no
 * istiod answers the webhook or the probes: with validation failing closed (the default) the first Istio resource of
 * the stack could never be created there, and the gate would wait for an istiod that never serves.
 *
 *   node scripts/local-cluster-config.js Pulumi.dev.yaml .local/Pulumi.dev.local-cluster.yaml
 *
 * The stack file itself is never changed; scripts/pulumi.sh passes the written one with --config-file.
 */
"use strict";
const fs = require("fs");
const { parseDocument } = require("yaml");

const [source, target] = process.argv.slice(2);
if (!source || !target) {
    console.error("usage: node scripts/local-cluster-config.js STACK_FILE TARGET");
    process.exit(2);
}
const document = parseDocument(fs.existsSync(source) ? fs.readFileSync(source, "utf8") : "config: {}\n");
document.setIn(["config", "istio-mesh:mesh", "webhooks", "validationFailurePolicy"], "Ignore");
// And no istiod can answer the readiness gate's probes: the gate says it skips them (istiod's Deployment is awaited).
document.setIn(["config", "istio-mesh:mesh", "readiness", "probe"], "skip");
fs.writeFileSync(target, String(document));
