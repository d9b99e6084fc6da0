/**
 * The readiness gate against the wait it replaced, in the same run: the stack's cold up (empty to Ready) with the
 * gate probing a real istiod (`readiness.probe: serving`: a dry-run pod comes back injected by the revision), and the
 * same stack with the kubernetes provider's Service await on istiod's Services instead (Endpoints, then a fixed 10 s;
 * the gate's probes skipped), which is how the stack waited before the gate. In both, the real istiod of
 * scripts/istiod.sh is started as soon as the up has applied its Deployment and ConfigMaps (as a pod would start),
 * so the machine does the same work; only what the up waits for differs. Runs alternate which goes first.
 *
 * Needs istiod built for the bench's release (scripts/tools/istio.sh; `--version` must be that release).
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { deleteIstioCrds, PROJECT_ROOT, ProjectFolder } from "../../../test/e2e/workspace";
import { istiod, istiodSkipReason } from "../../../test/e2e/localIstiod";
import type { Context } from "../context";
import { builtIstioVersion } from "../istioctl";
import { log, required, run, Sample, totalCpu } from "../processes";
import { median, seconds, StepReport, table } from "../report";
import { BenchStack, meshConfig, newMeshStack, stackName } from "../stack";

const GATE = "cold up, readiness gate probing istiod";
const SERVICE_AWAIT = "cold up, Service await (Endpoints + 10 s)";

/**
 * The mesh program with the provider's Service await put back on istiod's Services: the stack program's Mesh
 * (same name, same configuration, so the same resources) with a transform of its own, which runs after the charts'
 * transforms (the engine runs a resource's transforms, then its parents'), dropping the annotation that turns the
 * await off. Not a stack transform (\`registerResourceTransform\`): the Node.js language host that
 * scripts/tools/engine.sh builds when the module proxy does not serve the current one (sdk v3.68.0) relays the
 * resource monitor without RegisterStackTransform, and the program then stops with "Cannot read properties of
 * undefined (reading 'name')".
 */
const SERVICE_AWAIT_PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { installReadableErrors, loadMeshArgs, Mesh } from "./components";

installReadableErrors();

const serviceAwait: pulumi.ResourceTransform = (args) => {
    const annotations = (args.props.metadata ?? {}).annotations ?? {};
    if (args.type !== "kubernetes:core/v1:Service" || annotations["pulumi.com/skipAwait"] !== "true") {
        return undefined;
    }
    const { ["pulumi.com/skipAwait"]: _skipped, ...kept } = annotations;
    return { props: { ...args.props, metadata: { ...args.props.metadata, annotations: kept } }, opts: args.opts };
};

const mesh = new Mesh("mesh", loadMeshArgs(), { transforms: [serviceAwait] });

export const revision = mesh.revision;
`;

/** The Service-await variant's stack, in a project folder of its own whose index.ts is that program. */
function serviceAwaitStack(context: Context): { stack: BenchStack; folder: ProjectFolder } {
    const folder = new ProjectFolder("mesh-bench-service-await", { ownBackend: true });
    fs.rmSync(path.join(folder.dir, "index.ts"));
    fs.writeFileSync(path.join(folder.dir, "index.ts"), SERVICE_AWAIT_PROGRAM);
    const stack = new BenchStack(stackName("service-await"), folder.dir, { ...context.env, PULUMI_BACKEND_URL: folder.backendUrl }, context.options.pulumiArgs);
    return { stack, folder };
}

/** Waits until the up has applied what istiod.sh needs (the Deployment and both ConfigMaps), then starts istiod. */
async function startIstiodDuringUp(context: Context, revision: string, started: number, upDone: () => boolean): Promise<number | undefined> {
    // Asked asynchronously: the up's timing runs on this process's event loop.
    const names = () =>
        new Promise<string[]>((resolve) =>
            execFile("kubectl", ["--kubeconfig", context.kubeconfig, "get", "deployments,configmaps", "-n", "istio-system", "-o", "name"], { env: context.env }, (_error, stdout) =>
                resolve(stdout.split("\n")),
            ),
        );
    const wanted = [`deployment.apps/istiod-${revision}`, `configmap/istio-${revision}`, `configmap/istio-sidecar-injector-${revision}`];
    for (;;) {
        const applied = await names();
        if (wanted.every((name) => applied.includes(name))) {
            break;
        }
        if (upDone()) {
            return undefined;
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
    }

    // istiod.sh returns once istiod is ready and has patched its webhooks.
    await new Promise<void>((resolve, reject) =>
        execFile("bash", [path.join(PROJECT_ROOT, "scripts", "istiod.sh"), "start", revision], { env: context.env, timeout: 5 * 60_000 }, (error, _stdout, stderr) =>
            error ? reject(new Error(`istiod.sh start ${revision} failed: ${stderr.trim().split("\n").at(-1) ?? error.message}`)) : resolve(),
        ),
    );
    return (Date.now() - started) / 1000;
}

export async function readinessStep(context: Context): Promise<StepReport> {
    const version = context.options.version;
    const revision = version.replace(/[^a-z0-9]+/g, "-");
    const skip = istiodSkipReason(version, builtIstioVersion());
    if (skip !== undefined) {
        return { section: `Readiness gate vs Service await: not measured: ${skip}`, goals: [] };
    }
    // Cleanups run last first: istiod stops after the stacks are destroyed.
    context.cleanups.push(() => {
        istiod("stop", null);
    });
    const gated = newMeshStack(context, "readiness-gate");
    gated.configure(meshConfig(context, version, { readiness: { probe: "serving" } }));
    const awaited = serviceAwaitStack(context);
    awaited.folder.configure(awaited.stack.name, meshConfig(context, version));
    context.cleanups.push(async () => {
        if (awaited.stack.resourceCount() > 0) {
            log(`cleaning up: destroying stack ${awaited.stack.name}`);
            await awaited.stack.destroy();
        }
        awaited.folder.remove();
    });

    const samples: Record<string, { up: Sample; serving?: number }[]> = {};
    const coldUp = async (what: string, stack: BenchStack) => {
        const started = Date.now();
        let done = false;
        const up = stack.up().finally(() => {
            done = true;
        });
        const serving = startIstiodDuringUp(context, revision, started, () => done);
        const [sample, servingAt] = await Promise.all([up, serving.catch((error: Error) => (log(`  istiod: ${error.message}`), undefined))]);
        log(`  ${what}: ${seconds(sample.seconds)}${sample.ok ? "" : " (FAILED)"}; istiod served ${servingAt === undefined ? "never" : `at ${seconds(servingAt)}`}`);
        required(what, sample);
        // What the up applied says which wait it had: istiod's Service with the await turned off, or not.
        const skipped = run("kubectl", ["--kubeconfig", context.kubeconfig, "get", "service", `istiod-${revision}`, "-n", "istio-system", "-o", "jsonpath={.metadata.annotations.pulumi\\.com/skipAwait}"], context.env, PROJECT_ROOT);
        if ((skipped === "true") !== (what === GATE)) {
            throw new Error(`${what}: istiod's Service has pulumi.com/skipAwait=${skipped || "(none)"}, so the up did not wait as this variant should`);
        }
        (samples[what] ??= []).push({ up: sample, serving: servingAt });
        // istiod keeps serving until the stack is gone: it made validation fail closed, so the updates a destroy
        // makes to Istio resources need it.
        required(`${what}: destroy`, await stack.destroy());
        istiod("stop", revision);
        deleteIstioCrds();
    };
    const order: [string, BenchStack][] = [
        [GATE, gated],
        [SERVICE_AWAIT, awaited.stack],
    ];
    for (let i = 0; i < context.options.runs; i++) {
        log(`readiness, run ${i + 1} of ${context.options.runs}`);
        for (let j = 0; j < order.length; j++) {
            const [what, stack] = order[(i + j) % order.length];
            await coldUp(what, stack);
        }
    }
    const rows = [GATE, SERVICE_AWAIT].map((what) => {
        const list = samples[what] ?? [];
        const times = list.map((entry) => entry.up.seconds);
        const serving = list.map((entry) => entry.serving).filter((value): value is number => value !== undefined);
        return [
            what,
            times.map((value) => seconds(value)).join(", "),
            seconds(times.length > 0 ? median(times) : undefined),
            seconds(list.length > 0 ? median(list.map((entry) => totalCpu(entry.up))) : undefined),
            serving.length > 0 ? serving.map((value) => seconds(value)).join(", ") : "never",
        ];
    });
    return {
        section: [
            `Readiness: Istio ${version}, ${context.options.runs} run(s) of each, alternating; istiod is the real one (scripts/istiod.sh), started when ` +
                "the up has applied its Deployment and ConfigMaps",
            table(["", "cold up, each run", "median", "CPU (median)", "istiod ready and its webhooks patched, since the up began"], rows),
        ].join("\n"),
        goals: [],
    };
}
