/**
 * The engine's floor for the same work: a plain JavaScript program (no TypeScript, CA, policy or enrollment) with a
 * kubernetes provider and the same two charts, base then istiod. What it costs, any Pulumi program that installs these
 * charts object by object costs. Like the stack (components/readiness/serviceAwait.ts), it applies istiod's Services
 * without the provider's Service await (Endpoints, then a fixed 10 s); `--env BENCH_FLOOR_SERVICE_AWAIT=true` keeps it.
 *
 * Its variant with the stack's plugins (`BENCH_FLOOR_PLUGINS=true`) adds what the stack needs beyond the charts and runs
 * as plugins of their own: a root key and certificate (@pulumi/tls, the CA) and a dynamic resource (the Node.js
 * dynamic provider, which serves the stack's readiness gate and intermediate). It tells how much of the stack's
 * no-op preview above the floor is those plugins, and how much its own program.
 */
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../../test/e2e/workspace";
import type { Context } from "./context";
import { log, Sample } from "./processes";
import { BenchStack, stackName } from "./stack";

const FLOOR_PROGRAM = `"use strict";
const k8s = require("@pulumi/kubernetes");
const charts = process.env.BENCH_FLOOR_CHARTS;
const provider = new k8s.Provider("k8s", { kubeconfig: process.env.KUBECONFIG });
const namespace = new k8s.core.v1.Namespace("istio-system", { metadata: { name: "istio-system" } }, { provider });
const base = new k8s.helm.v4.Chart("base", { chart: charts + "/base", namespace: "istio-system" }, { provider, dependsOn: [namespace] });
const skipServiceAwait = (args) =>
    args.type === "kubernetes:core/v1:Service" && process.env.BENCH_FLOOR_SERVICE_AWAIT !== "true"
        ? {
              props: { ...args.props, metadata: { ...args.props.metadata, annotations: { ...args.props.metadata.annotations, "pulumi.com/skipAwait": "true" } } },
              opts: args.opts,
          }
        : undefined;
new k8s.helm.v4.Chart(
    "istiod",
    {
        chart: charts + "/istio-control/istio-discovery",
        namespace: "istio-system",
        values: { global: { hub: "docker.io/istio", tag: process.env.BENCH_FLOOR_TAG } },
    },
    { provider, dependsOn: [base], transforms: [skipServiceAwait] },
);
if (process.env.BENCH_FLOOR_PLUGINS === "true") {
    const pulumi = require("@pulumi/pulumi");
    const tls = require("@pulumi/tls");
    const key = new tls.PrivateKey("root", { algorithm: "ECDSA", ecdsaCurve: "P384" });
    new tls.SelfSignedCert("root", {
        privateKeyPem: key.privateKeyPem,
        isCaCertificate: true,
        validityPeriodHours: 87600,
        allowedUses: ["cert_signing", "crl_signing"],
        subject: { organization: "Istio", commonName: "Root CA" },
    });
    const gate = { async create(inputs) { return { id: "floor", outs: inputs }; } };
    new pulumi.dynamic.Resource(gate, "ready", { revision: "floor" });
}
`;

/**
 * The engine's floor for N gateways: a plain JavaScript program with a kubernetes provider and, per gateway, a
 * Namespace and Istio's gateway chart (ClusterIP), nothing else: no mesh, transform or component of its own. Its
 * previews (from an empty state) give what each added gateway chart costs any Pulumi program.
 */
const GATEWAY_FLOOR_PROGRAM = `"use strict";
const k8s = require("@pulumi/kubernetes");
const provider = new k8s.Provider("k8s", { kubeconfig: process.env.KUBECONFIG });
for (let i = 0; i < Number(process.env.BENCH_FLOOR_GATEWAYS); i++) {
    const namespace = new k8s.core.v1.Namespace("floor-gw-" + i, { metadata: { name: "bench-floor-gw-" + i } }, { provider });
    new k8s.helm.v4.Chart(
        "floor-gw-" + i,
        { chart: process.env.BENCH_FLOOR_GATEWAY_CHART, name: "gw-" + i, namespace: namespace.metadata.name, values: { service: { type: "ClusterIP" } } },
        { provider },
    );
}
`;

/** A plain JavaScript program's folder under the bench's scratch folder. */
function programFolder(context: Context, label: string, program: string): string {
    const dir = path.join(context.scratch, label);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), `name: bench-${label}\nruntime:\n  name: nodejs\n  options:\n    typescript: false\n`);
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: `bench-${label}`, private: true, main: "index.js" }));
    fs.writeFileSync(path.join(dir, "index.js"), program);
    if (!fs.existsSync(path.join(dir, "node_modules"))) {
        fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(dir, "node_modules"));
    }
    return dir;
}

/** The floor program's stack (or its variant with the stack's plugins), in a folder of its own under the bench's scratch folder. */
export function floorStack(context: Context, chartsFolder: string, withStackPlugins = false): BenchStack {
    const label = withStackPlugins ? "floor-plugins" : "floor";
    const dir = programFolder(context, label, FLOOR_PROGRAM);
    const env = { ...context.env, BENCH_FLOOR_CHARTS: chartsFolder, BENCH_FLOOR_TAG: context.options.version, BENCH_FLOOR_PLUGINS: String(withStackPlugins) };
    const stack = new BenchStack(stackName(label), dir, env, context.options.pulumiArgs);
    context.cleanups.push(async () => {
        if (stack.resourceCount() > 0) {
            log(`cleaning up: destroying stack ${stack.name}`);
            await stack.destroy();
        }
    });
    return stack;
}

/** The gateways' floor program (`gatewayChart`: the folder of Istio's gateway chart); previews only, N per call. */
export function gatewayFloorStack(context: Context, gatewayChart: string): (gateways: number) => Promise<Sample> {
    const dir = programFolder(context, "floor-gateways", GATEWAY_FLOOR_PROGRAM);
    const stack = new BenchStack(stackName("floor-gw"), dir, { ...context.env, BENCH_FLOOR_GATEWAY_CHART: gatewayChart }, context.options.pulumiArgs);
    return (gateways) => stack.preview([], { BENCH_FLOOR_GATEWAYS: String(gateways) });
}
