/**
 * The engine's floor for the same work: a plain JavaScript program (no TypeScript, CA, policy or enrollment) with a
 * kubernetes provider and the same two charts, base then istiod. What it costs, any Pulumi program that installs these
 * charts object by object costs. Like the stack (components/readiness/serviceAwait.ts), it applies istiod's Services
 * without the provider's Service await (Endpoints, then a fixed 10 s); `--env BENCH_FLOOR_SERVICE_AWAIT=true` keeps it.
 */
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../../test/e2e/workspace";
import type { Context } from "./context";
import { log } from "./processes";
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
`;

/** The floor program's stack, in a folder of its own under the bench's scratch folder. */
export function floorStack(context: Context, chartsFolder: string): BenchStack {
    const dir = path.join(context.scratch, "floor");
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: bench-floor\nruntime:\n  name: nodejs\n  options:\n    typescript: false\n");
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "bench-floor", private: true, main: "index.js" }));
    fs.writeFileSync(path.join(dir, "index.js"), FLOOR_PROGRAM);
    if (!fs.existsSync(path.join(dir, "node_modules"))) {
        fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(dir, "node_modules"));
    }
    const env = { ...context.env, BENCH_FLOOR_CHARTS: chartsFolder, BENCH_FLOOR_TAG: context.options.version };
    const stack = new BenchStack(stackName("floor"), dir, env, context.options.pulumiArgs);
    context.cleanups.push(async () => {
        if (stack.resourceCount() > 0) {
            log(`cleaning up: destroying stack ${stack.name}`);
            await stack.destroy();
        }
    });
    return stack;
}
