/**
 * Benchmarks of the mesh stack on the local cluster, with the real engine and Istio's charts, beside istioctl with
 * the same charts, version and profile, and beside the engine's floor. It prints numbers, and the goals beside them;
 * it never fails on timing.
 *
 *   npm run bench [-- --runs 3] [--only base,namespaces,gateways,checkpoints,unit,readiness] [--namespaces 1,100,500,1000]
 *                 [--gateways 1,10,50,100] [--up-limit 900] [--baseline DIR] [--pulumi-arg=--parallel=16] [--env NAME=VALUE]
 *
 * One module per step (steps/): the warm-up (the program's first preview in the bench's new workspace), base (cold
 * up, no-op preview and up, destroy of the stack, the floor program and istioctl), namespaces and gateways (scaling),
 * checkpoints (the engine's floor for big ups, no cluster: N resources beside state as big as Istio's CRDs), unit
 * (the mocked suite), readiness (the cold up with the readiness gate probing a real istiod against the Service await it
 * replaced). Every pulumi and istioctl command is timed as a whole, with the CPU time and peak memory
 * of its processes (processes.ts). Previews run as `npm run preview` runs them (scripts/pulumi.sh); --env and
 * --pulumi-arg change settings for a comparison. Ups are bounded by --up-limit seconds: an up that is predicted to take
 * longer is skipped, one that runs longer is cancelled (SIGINT, so the state stays consistent), and the output says so.
 *
 * Needs ISTIO_CHARTS_DIR (`{version}` is replaced). Runs on the local cluster of scripts/cluster.sh, started if
 * needed: MESH_CLUSTER and MESH_CLUSTER_PORT_OFFSET pick which (it installs and purges Istio there, so give it a
 * cluster of its own). Stacks live in a temporary project folder with its own state backend (test/e2e/workspace.ts,
 * as the end-to-end suites); nothing is written to the project's state.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { deleteIstioCrds, PROJECT_ROOT, ProjectFolder } from "../../test/e2e/workspace";
import { clusterName, Context, projectEnvironment, startCluster } from "./context";
import { Options, parseOptions, StepName } from "./options";
import { interruptRunning, log, run } from "./processes";
import { Goal, goalsTable, StepReport } from "./report";
import { baseStep } from "./steps/base";
import { checkpointsStep } from "./steps/checkpoints";
import { gatewaysStep } from "./steps/gateways";
import { namespacesStep } from "./steps/namespaces";
import { readinessStep } from "./steps/readiness";
import { unitStep } from "./steps/unit";
import { warmUp } from "./steps/warmUp";

const STEP_BODIES: readonly [StepName | "warm-up", (context: Context) => Promise<StepReport>][] = [
    ["warm-up", warmUp],
    ["base", baseStep],
    ["namespaces", namespacesStep],
    ["gateways", gatewaysStep],
    ["checkpoints", checkpointsStep],
    ["unit", unitStep],
    ["readiness", readinessStep],
];

/** The figures of the issue's table that a step measures, so that a skipped step still shows its goals unmeasured. */
const GOALS_OF: Partial<Record<StepName, readonly Omit<Goal, "measured">[]>> = {
    base: [
        { figure: "cold up, empty to Ready / istioctl install", goal: "<= 2.00x istioctl" },
        { figure: "no-op preview / engine floor's no-op preview", goal: "<= 1.10x the floor" },
    ],
    namespaces: [{ figure: "up, 1 to 500 enrolled namespaces", goal: "<= 2.00x, checkpoints kept" }],
    gateways: [
        { figure: "preview, 1 to 50 gateways", goal: "<= 1.30x" },
        { figure: "preview, 1 to 50 gateways, each at the floor program's cost", goal: "<= 1.30x (the floor of the goal above)" },
    ],
    unit: [{ figure: "unit suite (jest)", goal: "<= 15 s on 2 cores" }],
};

function header(options: Options, env: NodeJS.ProcessEnv): string[] {
    const version = (command: string, args: string[]) => {
        try {
            return run(command, args, env, PROJECT_ROOT).trim().split("\n")[0];
        } catch {
            return "not found";
        }
    };
    // The settings that change the figures: the project's (scripts/env.sh, scripts/pulumi.sh), then any other --env.
    const shown = ["PULUMI_NODEJS_TRANSPILE_ONLY", "NODE_COMPILE_CACHE", "PULUMI_PARALLEL"];
    const otherEnv = Object.keys(options.env).filter((name) => ![...shown, "PULUMI_SKIP_CHECKPOINTS"].includes(name));
    const settings = [
        ...shown.map((name) => `${name}=${env[name] ?? "(unset)"}`),
        `previews with PULUMI_SKIP_CHECKPOINTS=${env.PULUMI_SKIP_CHECKPOINTS ?? "true"}`,
        ...otherEnv.map((name) => `${name}=${options.env[name]}`),
    ].join(", ");
    return [
        `istio-mesh benchmarks, ${new Date().toISOString()}`,
        `engine: pulumi ${version("pulumi", ["version"])}${options.pulumiArgs.length > 0 ? ` with ${options.pulumiArgs.join(" ")}` : ""}; ` +
            `istioctl ${version("istioctl", ["version", "--remote=false", "--short"])}; node ${version("node", ["--version"])}; ${settings}`,
        `cluster: local (${clusterName()}), kwok nodes; machine: ${os.cpus().length} CPUs, load average at the start ${load()}`,
        "The stack's ups run with --skip-preview (as the automation API does); istioctl install -y waits for readiness.",
    ];
}

function load(): string {
    return os
        .loadavg()
        .map((n) => n.toFixed(1))
        .join(" ");
}

async function main(argv: readonly string[]): Promise<number> {
    let options: Options;
    try {
        options = parseOptions(argv);
    } catch (error) {
        console.error((error as Error).message);
        return 2;
    }
    const chartsTemplate = process.env.ISTIO_CHARTS_DIR;
    if (!chartsTemplate) {
        console.error("bench: set ISTIO_CHARTS_DIR to a local copy of Istio's charts (`{version}` in it is replaced), as for the end-to-end suite");
        return 2;
    }
    const chartsDir = chartsTemplate.split("{version}").join(options.version);
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "mesh-bench-"));
    const folder = new ProjectFolder("mesh-bench-workspace", { ownBackend: true });
    const env = { ...projectEnvironment(folder.backendUrl!), ...options.env };
    // The checkpoint floor and the unit suite need no cluster.
    const needsCluster = [...options.only].some((step) => step !== "unit" && step !== "checkpoints");
    const kubeconfig = needsCluster ? startCluster(env) : "";
    if (needsCluster) {
        env.KUBECONFIG = kubeconfig;
        // The shared workspace module's kubectl reads the cluster from this process's environment.
        process.env.KUBECONFIG = kubeconfig;
    }
    const context: Context = { options, env, kubeconfig, scratch, folder, chartsDir, cleanups: [] };
    const discard = () => {
        fs.rmSync(scratch, { recursive: true, force: true });
        folder.remove();
    };

    const existing = needsCluster
        ? run("kubectl", ["--kubeconfig", kubeconfig, "get", "namespaces,customresourcedefinitions", "-o", "name"], env, PROJECT_ROOT).split("\n")
        : [];
    const istio = existing.filter((name) => name === "namespace/istio-system" || name.endsWith(".istio.io"));
    if (istio.length > 0) {
        console.error(
            `bench: the cluster ${clusterName()} has Istio objects already (${istio.slice(0, 3).join(", ")}${istio.length > 3 ? ", ..." : ""}); ` +
                "the bench installs and purges Istio, so give it a cluster of its own (e.g. MESH_CLUSTER=bench MESH_CLUSTER_PORT_OFFSET=200)",
        );
        discard();
        return 2;
    }

    let interrupted = false;
    const interrupt = () => {
        log("interrupted: cancelling the running command, then cleaning up");
        interrupted = true;
        interruptRunning();
    };
    process.on("SIGINT", interrupt);
    process.on("SIGTERM", interrupt);

    const top = header(options, env);
    const sections: string[] = [];
    const goals: Goal[] = [];
    let failed = false;
    // The warm-up compiles the mesh program for the steps that run it.
    const wanted = (step: StepName | "warm-up") =>
        step === "warm-up" ? [...options.only].some((other) => other !== "unit" && other !== "checkpoints") : options.only.has(step);
    try {
        for (const [step, body] of STEP_BODIES) {
            const unmeasured = (why: string) =>
                step === "warm-up" ? [] : (GOALS_OF[step] ?? []).map((goal) => ({ ...goal, measured: why }));
            if (!wanted(step)) {
                goals.push(...unmeasured("not run (--only)"));
                continue;
            }
            if (interrupted) {
                sections.push(`${step}: not run (interrupted)`);
                goals.push(...unmeasured("not run (interrupted)"));
                continue;
            }
            try {
                const report = await body(context);
                sections.push(report.section);
                goals.push(...report.goals);
            } catch (error) {
                failed = true;
                sections.push(`${step}: could not be measured: ${(error as Error).message}`);
                goals.push(...unmeasured("could not be measured"));
                log(`${step}: ${(error as Error).message}`);
            } finally {
                // Each step leaves the cluster as it found it, also when it failed.
                await runCleanups(context);
            }
        }
    } finally {
        await runCleanups(context);
        discard();
    }
    console.log(
        [...top, "", sections.join("\n\n"), "", "Goals (one run of this bench, on this machine)", goalsTable(goals), "", `load average at the end: ${load()}`].join("\n"),
    );
    // Timing never fails the bench; a step that could not run does.
    return failed || interrupted ? 1 : 0;
}

async function runCleanups(context: Context): Promise<void> {
    const cleanups = context.cleanups.splice(0).reverse();
    for (const cleanup of [...cleanups, ...(context.kubeconfig === "" ? [] : [deleteIstioCrds])]) {
        try {
            await cleanup();
        } catch (error) {
            log(`cleanup: ${(error as Error).message}`);
        }
    }
}

main(process.argv.slice(2)).then(
    (code) => {
        process.exitCode = code;
    },
    (error: unknown) => {
        console.error(error);
        process.exitCode = 1;
    },
);
