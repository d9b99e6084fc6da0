/**
 * Benchmarks of the mesh stack on the local cluster, with the real engine and Istio's charts, beside istioctl with
 * the same charts, version and profile. It prints numbers and never fails on timing.
 *
 *   npm run bench [-- --runs 3] [--only base,namespaces,gateways,unit] [--namespaces 1,100,500]
 *                 [--gateways 1,10,50] [--up-limit 600] [--pulumi-arg=--parallel=16] [--env NAME=VALUE]
 *
 * - warm-up: the program's first preview in the bench's new workspace (TypeScript compiled from scratch), then again.
 * - base: in each run, the stack's cold up (empty to Ready), no-op preview, no-op up and destroy; the same for the
 *   engine's floor, a plain JavaScript program with only the same two charts; then `istioctl install` (it waits for
 *   readiness), `istioctl uninstall --purge`, and the render-only floor (`istioctl manifest generate`). Runs rotate
 *   which goes first. Medians of the runs, and their ratios.
 * - namespaces: the whole stack with N entries in mesh.namespaces: preview from empty, up, no-op preview, destroy.
 * - gateways: N ingress gateways (ClusterIP, each in its own namespace) added to an installed mesh. Gateway pods are
 *   only created once the injector serves, so istiod runs for real (scripts/istiod.sh) for this step; without a
 *   built istiod (or charts of its version) only the previews are measured, and the output says so.
 * - unit: the mocked unit suite's wall time (`jest`).
 * Every pulumi and istioctl command is timed as a whole (process start to exit); the CPU time and peak resident memory
 * of its processes (the program, i.e. the Node.js process that runs index.ts, the engine, the providers) are read from
 * /proc while it runs. Previews run as `npm run preview` runs them (scripts/pulumi.sh); --env and --pulumi-arg change
 * settings for a comparison. Ups are bounded by --up-limit seconds: an up that is predicted to take longer is skipped,
 * one that runs longer is cancelled (SIGINT, so the state stays consistent), and the output says which and why.
 *
 * Needs ISTIO_CHARTS_DIR (Istio's source layout, manifests/charts, for istioctl; `{version}` is replaced). Runs on
 * the local cluster of scripts/cluster.sh, started if needed: MESH_CLUSTER and MESH_CLUSTER_PORT_OFFSET pick which
 * (it installs and purges Istio there, so give it a cluster of its own). Stacks live in a temporary folder with their
 * own state backend; nothing is written to the project's state.
 */
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
/** What a throwaway workspace links from the project (as test/e2e/workspace.ts does). */
const LINKED = ["index.ts", "components", "node_modules", "package.json", "tsconfig.json", "Pulumi.yaml"];
const USAGE =
    "usage: npm run bench [-- --runs N] [--only base,namespaces,gateways,unit] [--namespaces 1,100,500] " +
    "[--gateways 1,10,50] [--up-limit SECONDS] [--version 1.30.3] [--pulumi-arg=ARG ...] [--env NAME=VALUE ...]";
const STEPS = ["base", "namespaces", "gateways", "unit"] as const;
type Step = (typeof STEPS)[number];

interface Options {
    readonly runs: number;
    readonly only: ReadonlySet<Step>;
    readonly namespaces: readonly number[];
    readonly gateways: readonly number[];
    readonly upLimit: number;
    readonly version: string;
    /** Extra flags for every pulumi command (e.g. --parallel=16), to compare engine settings. */
    readonly pulumiArgs: readonly string[];
    /** Extra environment for every command (NAME=VALUE), to compare settings. */
    readonly env: Readonly<Record<string, string>>;
}

function parseOptions(argv: readonly string[]): Options {
    const values = new Map<string, string[]>();
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
        if (match === null) {
            throw new Error(`unexpected argument ${arg}\n${USAGE}`);
        }
        const value = match[2] ?? argv[++i];
        if (value === undefined) {
            throw new Error(`${arg} needs a value\n${USAGE}`);
        }
        values.set(match[1], [...(values.get(match[1]) ?? []), value]);
    }
    const known = new Set(["runs", "only", "namespaces", "gateways", "up-limit", "version", "pulumi-arg", "env"]);
    for (const key of values.keys()) {
        if (!known.has(key)) {
            throw new Error(`unknown option --${key}\n${USAGE}`);
        }
    }
    const one = (key: string, fallback: string) => values.get(key)?.at(-1) ?? fallback;
    const numbers = (key: string, fallback: string) =>
        one(key, fallback)
            .split(",")
            .filter((part) => part !== "")
            .map((part) => {
                const n = Number(part);
                if (!Number.isInteger(n) || n < 1) {
                    throw new Error(`--${key}: ${part} is not a positive whole number`);
                }
                return n;
            });
    const only = one("only", STEPS.join(",")).split(",");
    const unknownSteps = only.filter((step) => !(STEPS as readonly string[]).includes(step));
    if (unknownSteps.length > 0) {
        throw new Error(`--only: unknown step ${unknownSteps.join(", ")} (steps: ${STEPS.join(", ")})`);
    }
    return {
        runs: numbers("runs", "3")[0],
        only: new Set(only as Step[]),
        namespaces: numbers("namespaces", "1,100,500"),
        gateways: numbers("gateways", "1,10,50"),
        upLimit: numbers("up-limit", "600")[0],
        version: one("version", "1.30.3"),
        pulumiArgs: values.get("pulumi-arg") ?? [],
        env: Object.fromEntries(
            (values.get("env") ?? []).map((entry) => {
                const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(entry);
                if (match === null) {
                    throw new Error(`--env ${entry}: expected NAME=VALUE`);
                }
                return [match[1], match[2]];
            }),
        ),
    };
}

// --- processes, timed, with their memory ---------------------------------------------------------------------------

interface Sample {
    readonly seconds: number;
    readonly ok: boolean;
    readonly timedOut: boolean;
    /** Peak resident memory (VmHWM, KiB) by role: program, kubernetes provider, dynamic provider, engine, other. */
    readonly peakKiB: Readonly<Record<string, number>>;
    /** CPU time (user + system, seconds) by role, as last seen before each process ended (100 ms sampling). */
    readonly cpuSeconds: Readonly<Record<string, number>>;
    /** The end of the combined output, for errors. */
    readonly tail: string;
}

function role(cmdline: string[]): string {
    const joined = cmdline.join(" ");
    if (joined.includes("@pulumi/pulumi/cmd/run")) {
        return "program";
    }
    if (joined.includes("cmd/dynamic-provider")) {
        return "dynamic provider";
    }
    const executable = path.basename(cmdline[0] ?? "");
    if (executable.startsWith("pulumi-resource-")) {
        return executable.slice("pulumi-resource-".length) + " provider";
    }
    if (executable.startsWith("pulumi-language-")) {
        return "language host";
    }
    return executable === "pulumi" ? "engine" : executable;
}

function children(pid: number): number[] {
    try {
        return fs
            .readdirSync(`/proc/${pid}/task`)
            .flatMap((task) => fs.readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").split(" "))
            .filter((text) => text.trim() !== "")
            .map(Number);
    } catch {
        return [];
    }
}

const CLOCK_TICKS = (() => {
    try {
        return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
        return 100;
    }
})();

interface ProcessSeen {
    readonly role: string;
    ticks: number;
    peakKiB: number;
}

/** Reads the CPU time and peak RSS of `pid` and its descendants into `seen`. */
function sampleTree(pid: number, seen: Map<number, ProcessSeen>): void {
    const pending = [pid];
    while (pending.length > 0) {
        const current = pending.pop()!;
        pending.push(...children(current));
        try {
            let entry = seen.get(current);
            if (entry === undefined) {
                entry = { role: role(fs.readFileSync(`/proc/${current}/cmdline`, "utf8").split("\0")), ticks: 0, peakKiB: 0 };
                seen.set(current, entry);
            }
            // Fields after the command name: state is the 3rd field of stat, utime and stime the 14th and 15th.
            const stat = fs.readFileSync(`/proc/${current}/stat`, "utf8");
            const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
            entry.ticks = Number(fields[11]) + Number(fields[12]);
            const hwm = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${current}/status`, "utf8"));
            if (hwm !== null) {
                entry.peakKiB = Math.max(entry.peakKiB, Number(hwm[1]));
            }
        } catch {
            // The process exited between two reads.
        }
    }
}

function byRole(seen: Map<number, ProcessSeen>): { peakKiB: Record<string, number>; cpuSeconds: Record<string, number> } {
    const peakKiB: Record<string, number> = {};
    const cpuSeconds: Record<string, number> = {};
    for (const entry of seen.values()) {
        peakKiB[entry.role] = Math.max(peakKiB[entry.role] ?? 0, entry.peakKiB);
        cpuSeconds[entry.role] = (cpuSeconds[entry.role] ?? 0) + entry.ticks / CLOCK_TICKS;
    }
    return { peakKiB, cpuSeconds };
}

let running: { pid: number } | undefined;

/** Runs a command to its end, timing it and sampling its process tree's CPU time and memory every 100 ms. */
function measure(
    command: string,
    args: readonly string[],
    options: { cwd: string; env: NodeJS.ProcessEnv; timeoutSeconds: number },
): Promise<Sample> {
    return new Promise((resolve, reject) => {
        const started = process.hrtime.bigint();
        // Its own process group, so that a timeout (and a Ctrl-C of the bench) reaches every process it started.
        const child = spawn(command, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
        let output = "";
        const keep = (chunk: Buffer) => {
            output = (output + chunk.toString("utf8")).slice(-20_000);
        };
        child.stdout.on("data", keep);
        child.stderr.on("data", keep);
        const seen = new Map<number, ProcessSeen>();
        let timedOut = false;
        const sampler = setInterval(() => child.pid !== undefined && sampleTree(child.pid, seen), 100);
        const timer = setTimeout(() => {
            timedOut = true;
            // SIGINT: the engine cancels, lets running steps finish and saves the state; killed a minute later.
            signalGroup(child.pid, "SIGINT");
            setTimeout(() => signalGroup(child.pid, "SIGKILL"), 60_000).unref();
        }, options.timeoutSeconds * 1000);
        if (child.pid !== undefined) {
            running = { pid: child.pid };
        }
        child.on("error", (error) => {
            clearInterval(sampler);
            clearTimeout(timer);
            reject(error);
        });
        child.on("close", (code) => {
            const seconds = Number(process.hrtime.bigint() - started) / 1e9;
            clearInterval(sampler);
            clearTimeout(timer);
            running = undefined;
            resolve({ seconds, ok: code === 0 && !timedOut, timedOut, ...byRole(seen), tail: output });
        });
    });
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
    if (pid === undefined) {
        return;
    }
    try {
        process.kill(-pid, signal);
    } catch {
        // Gone already.
    }
}

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd = ROOT): string {
    return execFileSync(command, args, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 256 * 1024 * 1024 });
}

function log(message: string): void {
    process.stderr.write(`[bench] ${message}\n`);
}

function tailOf(sample: Sample, lines = 25): string {
    return sample.tail.trimEnd().split("\n").slice(-lines).join("\n");
}

// --- environment, cluster and charts ---------------------------------------------------------------------------------

/** The environment the project's scripts run pulumi with (scripts/env.sh), with a state backend of the bench's own. */
function projectEnvironment(backend: string): NodeJS.ProcessEnv {
    const output = execFileSync("bash", ["-c", 'source "$1/scripts/env.sh" >/dev/null && env -0', "bench", ROOT], {
        env: { ...process.env, PULUMI_BACKEND_URL: `file://${backend}` },
    });
    const env: NodeJS.ProcessEnv = {};
    for (const entry of output.toString("utf8").split("\0")) {
        const equals = entry.indexOf("=");
        if (equals > 0) {
            env[entry.slice(0, equals)] = entry.slice(equals + 1);
        }
    }
    // Only the project's plugins, never ones found elsewhere on the machine.
    env.PULUMI_IGNORE_AMBIENT_PLUGINS ??= "true";
    return env;
}

function clusterName(): string {
    return process.env.MESH_CLUSTER || "cluster";
}

/** Builds what is missing (cached) and starts the local cluster; returns its kubeconfig. */
function startCluster(env: NodeJS.ProcessEnv): string {
    log("building the tools if needed and starting the local cluster");
    try {
        run("bash", [path.join(ROOT, "scripts", "tools", "build.sh")], env);
        return run("bash", [path.join(ROOT, "scripts", "cluster.sh"), "start"], env).trim().split("\n").at(-1)!;
    } catch (error) {
        throw new Error(`could not start the local cluster:\n${(error as { stderr?: string }).stderr ?? error}`);
    }
}

/**
 * A manifests folder for istioctl's -d: the charts folder of Istio's source layout and Istio's profiles. Copies of the
 * charts usually come without manifests/profiles; istioctl needs it, so it gets Istio's default profile (unchanged
 * across 1.29 to 1.31) and the minimal one (the default without the ingress gateway).
 */
function istioctlManifests(chartsRoot: string, scratch: string): string | undefined {
    for (const candidate of [path.join(chartsRoot, "manifests"), chartsRoot]) {
        if (fs.existsSync(path.join(candidate, "charts", "istio-control")) && fs.existsSync(path.join(candidate, "profiles", "minimal.yaml"))) {
            return candidate;
        }
    }
    const charts = [path.join(chartsRoot, "manifests", "charts"), path.join(chartsRoot, "charts")].find((candidate) =>
        fs.existsSync(path.join(candidate, "istio-control")),
    );
    if (charts === undefined) {
        return undefined;
    }
    const manifests = path.join(scratch, "istioctl-manifests");
    fs.mkdirSync(path.join(manifests, "profiles"), { recursive: true });
    fs.symlinkSync(charts, path.join(manifests, "charts"));
    fs.writeFileSync(path.join(manifests, "profiles", "default.yaml"), ISTIO_DEFAULT_PROFILE);
    fs.writeFileSync(path.join(manifests, "profiles", "minimal.yaml"), ISTIO_MINIMAL_PROFILE);
    return manifests;
}

/** manifests/profiles/default.yaml of Istio's source. */
const ISTIO_DEFAULT_PROFILE = `apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata:
  namespace: istio-system
spec:
  hub: registry.istio.io/testing
  tag: latest
  components:
    base:
      enabled: true
    pilot:
      enabled: true
    ingressGateways:
    - name: istio-ingressgateway
      enabled: true
    egressGateways:
    - name: istio-egressgateway
      enabled: false
  values:
    defaultRevision: ""
    global:
      istioNamespace: istio-system
      configValidation: true
    gateways:
      istio-ingressgateway: {}
      istio-egressgateway: {}
    ztunnel:
      resourceName: ztunnel
`;

/** manifests/profiles/minimal.yaml of Istio's source: overlaid on the default profile. */
const ISTIO_MINIMAL_PROFILE = `apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
spec:
  components:
    ingressGateways:
    - name: istio-ingressgateway
      enabled: false
`;

// --- the stack -------------------------------------------------------------------------------------------------------

class BenchStack {
    constructor(
        readonly name: string,
        private readonly workDir: string,
        private readonly env: NodeJS.ProcessEnv,
        private readonly extraArgs: readonly string[],
    ) {
        run("pulumi", ["stack", "init", name, "--non-interactive"], env, workDir);
    }

    configure(mesh: Record<string, unknown>): void {
        // JSON is YAML.
        fs.writeFileSync(path.join(this.workDir, `Pulumi.${this.name}.yaml`), JSON.stringify({ config: { "istio-mesh:mesh": mesh } }, undefined, 2));
    }

    pulumi(args: readonly string[], timeoutSeconds = 3600, env: NodeJS.ProcessEnv = this.env): Promise<Sample> {
        return measure("pulumi", [...args, "--stack", this.name, "--non-interactive", ...this.extraArgs], {
            cwd: this.workDir,
            env,
            timeoutSeconds,
        });
    }

    up(timeoutSeconds?: number): Promise<Sample> {
        return this.pulumi(["up", "--yes", "--skip-preview"], timeoutSeconds);
    }

    /**
     * A preview as `npm run preview` runs it: scripts/pulumi.sh skips the engine's per-step state checkpoints for
     * previews (their state is discarded anyway). `--env PULUMI_SKIP_CHECKPOINTS=false` measures without.
     */
    preview(args: readonly string[] = []): Promise<Sample> {
        return this.pulumi(["preview", ...args], 3600, { ...this.env, PULUMI_SKIP_CHECKPOINTS: this.env.PULUMI_SKIP_CHECKPOINTS ?? "true" });
    }

    destroy(timeoutSeconds?: number): Promise<Sample> {
        return this.pulumi(["destroy", "--yes", "--skip-preview"], timeoutSeconds);
    }

    /** Resources in the state (0 after a destroy). */
    resourceCount(): number {
        const exported = JSON.parse(run("pulumi", ["stack", "export", "--stack", this.name], this.env, this.workDir)) as {
            deployment?: { resources?: unknown[] };
        };
        return exported.deployment?.resources?.length ?? 0;
    }
}

/** Fails with the command's output when a step that the next ones need did not succeed. */
function required(what: string, sample: Sample): Sample {
    if (!sample.ok) {
        throw new Error(`${what} ${sample.timedOut ? "timed out" : "failed"} after ${sample.seconds.toFixed(1)} s:\n${tailOf(sample, 40)}`);
    }
    return sample;
}

// --- statistics and output -------------------------------------------------------------------------------------------

function median(values: readonly number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function seconds(value: number | undefined): string {
    return value === undefined ? "-" : `${value.toFixed(value < 10 ? 2 : 1)} s`;
}

function mebibytes(kib: number | undefined): string {
    return kib === undefined ? "-" : `${Math.round(kib / 1024)} MiB`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
    const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (row[column] ?? "").length)));
    const line = (row: readonly string[]) =>
        row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join("   ").trimEnd();
    return [line(header), ...rows.map(line)].join("\n");
}

function peak(samples: readonly Sample[], name: string): number | undefined {
    const values = samples.map((sample) => sample.peakKiB[name]).filter((value): value is number => value !== undefined);
    return values.length === 0 ? undefined : Math.max(...values);
}

// --- the steps ------------------------------------------------------------------------------------------------------

interface Context {
    readonly options: Options;
    readonly env: NodeJS.ProcessEnv;
    readonly kubeconfig: string;
    readonly scratch: string;
    readonly workDir: string;
    readonly chartsDir: string;
    readonly cleanups: (() => Promise<void> | void)[];
}

function kubectl(context: Context, args: readonly string[]): string {
    return run("kubectl", ["--kubeconfig", context.kubeconfig, ...args], context.env);
}

function deleteIstioCrds(context: Context): void {
    const crds = kubectl(context, ["get", "customresourcedefinitions", "-o", "name"])
        .split("\n")
        .filter((name) => name.endsWith(".istio.io"));
    if (crds.length > 0) {
        kubectl(context, ["delete", "--ignore-not-found", "--wait=true", "--timeout=300s", ...crds]);
    }
}

function meshConfig(context: Context, version: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        istio: { version },
        istiod: { replicas: 1, resources: { requests: { cpu: "10m", memory: "64Mi" } } },
        // Nothing serves the webhooks unless istiod runs (as in the end-to-end suite): validation fails open.
        webhooks: { validationFailurePolicy: "Ignore" },
        // No istiod runs on the local cluster: the readiness gate says it skips its probes.
        readiness: { probe: "skip" },
        namespaces: [{ name: "bench-shop" }],
        cluster: { kubeconfig: context.kubeconfig },
        ...overrides,
    };
}

let stackCount = 0;

function newStack(context: Context, label: string): BenchStack {
    const stack = new BenchStack(`bench-${label}-${++stackCount}`, context.workDir, context.env, context.options.pulumiArgs);
    context.cleanups.push(async () => {
        if (stack.resourceCount() > 0) {
            log(`cleaning up: destroying stack ${stack.name}`);
            await stack.destroy();
        }
    });
    return stack;
}

/**
 * The engine's floor for the same work: a plain JavaScript program (no TypeScript, CA, transforms, policy or
 * enrollment) with a kubernetes provider and the same two charts, base then istiod. What it costs, any Pulumi program
 * that installs these charts object by object costs.
 */
const FLOOR_PROGRAM = `"use strict";
const k8s = require("@pulumi/kubernetes");
const charts = process.env.BENCH_FLOOR_CHARTS;
const provider = new k8s.Provider("k8s", { kubeconfig: process.env.KUBECONFIG });
const namespace = new k8s.core.v1.Namespace("istio-system", { metadata: { name: "istio-system" } }, { provider });
const base = new k8s.helm.v4.Chart("base", { chart: charts + "/base", namespace: "istio-system" }, { provider, dependsOn: [namespace] });
new k8s.helm.v4.Chart(
    "istiod",
    {
        chart: charts + "/istio-control/istio-discovery",
        namespace: "istio-system",
        values: { global: { hub: "docker.io/istio", tag: process.env.BENCH_FLOOR_TAG } },
    },
    { provider, dependsOn: [base] },
);
`;

function floorStack(context: Context, chartsFolder: string): BenchStack {
    const dir = path.join(context.scratch, "floor");
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: bench-floor\nruntime:\n  name: nodejs\n  options:\n    typescript: false\n");
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "bench-floor", private: true, main: "index.js" }));
    fs.writeFileSync(path.join(dir, "index.js"), FLOOR_PROGRAM);
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
    const env = { ...context.env, BENCH_FLOOR_CHARTS: chartsFolder, BENCH_FLOOR_TAG: context.options.version };
    const stack = new BenchStack(`bench-floor-${++stackCount}`, dir, env, context.options.pulumiArgs);
    context.cleanups.push(async () => {
        if (stack.resourceCount() > 0) {
            log(`cleaning up: destroying stack ${stack.name}`);
            await stack.destroy();
        }
    });
    return stack;
}

function totalCpu(sample: Sample): number {
    return Object.values(sample.cpuSeconds).reduce((sum, value) => sum + value, 0);
}

/**
 * The first run of the program in a new folder compiles (and type-checks, unless transpile-only) every TypeScript
 * file; later runs read ts-node's cache. Measured once, apart, so that the timed steps all run warm.
 */
async function warmUp(context: Context): Promise<string> {
    log("warm-up: the program's first preview in this workspace");
    const stack = newStack(context, "warmup");
    stack.configure(meshConfig(context, context.options.version));
    const first = required("the first preview", await stack.preview());
    const second = required("the second preview", await stack.preview());
    return (
        `First preview in a new workspace (TypeScript compiled from scratch): ${seconds(first.seconds)}, program CPU ` +
        `${seconds(first.cpuSeconds.program)}; the same preview again (compiled output cached): ${seconds(second.seconds)}, program CPU ` +
        `${seconds(second.cpuSeconds.program)}`
    );
}

async function baseStep(context: Context): Promise<string> {
    const { options } = context;
    const manifests = istioctlManifests(context.chartsDir, context.scratch);
    const istioctlFlags =
        manifests === undefined
            ? undefined
            : ["-d", manifests, "--set", "profile=minimal", "--set", "values.global.hub=docker.io/istio", "--set", `tag=${options.version}`];
    const notes: string[] = [];
    if (manifests === undefined) {
        notes.push(`no charts in Istio's source layout (manifests/charts/istio-control) under ${context.chartsDir}: istioctl and the floor program are not measured`);
    }
    const istioctlEnv = { ...context.env, KUBECONFIG: context.kubeconfig };
    const stack = newStack(context, "base");
    stack.configure(meshConfig(context, options.version));
    const floor = manifests === undefined ? undefined : floorStack(context, path.join(manifests, "charts"));
    const samples: Record<string, Sample[]> = {};
    // Only successful measurements count; a failed one is reported by the step that needed it.
    const record = (what: string, sample: Sample) => {
        if (sample.ok) {
            (samples[what] ??= []).push(sample);
        }
        log(`  ${what}: ${seconds(sample.seconds)}${sample.ok ? "" : " (FAILED)"}`);
        return sample;
    };

    const stackRun = async () => {
        required("cold up", record("stack: cold up (empty to Ready)", await stack.up()));
        const preview = record("stack: no-op preview", await stack.preview(["--expect-no-changes"]));
        if (!preview.ok) {
            notes.push(`the no-op preview found changes or failed:\n${tailOf(preview)}`);
        }
        const up = record("stack: no-op up", await stack.pulumi(["up", "--yes", "--skip-preview", "--expect-no-changes"]));
        if (!up.ok) {
            notes.push(`the no-op up found changes or failed:\n${tailOf(up)}`);
        }
        required("destroy", record("stack: destroy", await stack.destroy()));
        // Istio's charts mark their CRDs helm.sh/resource-policy: keep, so a destroy leaves them (as helm uninstall
        // does); the next cold up starts from an empty cluster again.
        deleteIstioCrds(context);
    };
    const floorRun = async () => {
        if (floor === undefined) {
            return;
        }
        required("floor cold up", record("floor program: cold up", await floor.up()));
        record("floor program: no-op preview", await floor.preview(["--expect-no-changes"]));
        required("floor destroy", record("floor program: destroy", await floor.destroy()));
        deleteIstioCrds(context);
    };
    const istioctlRun = async () => {
        if (istioctlFlags === undefined) {
            return;
        }
        const install = record(
            "istioctl install",
            await measure("istioctl", ["install", ...istioctlFlags, "-y"], { cwd: context.scratch, env: istioctlEnv, timeoutSeconds: 900 }),
        );
        record(
            "istioctl uninstall --purge",
            await measure("istioctl", ["uninstall", "--purge", "-y"], { cwd: context.scratch, env: istioctlEnv, timeoutSeconds: 900 }),
        );
        required("istioctl install", install);
        istioctlLeftovers();
        record(
            "istioctl manifest generate (render floor)",
            await measure("istioctl", ["manifest", "generate", ...istioctlFlags], { cwd: context.scratch, env: istioctlEnv, timeoutSeconds: 300 }),
        );
    };

    // istioctl leaves its namespace, and the purge does not wait for the CRDs to be gone; the stack creates both.
    const istioctlLeftovers = () => {
        kubectl(context, ["delete", "namespace", "istio-system", "--ignore-not-found", "--wait=true", "--timeout=300s"]);
        deleteIstioCrds(context);
    };
    /** After a failed measurement: back to an empty cluster, so that the next run starts as the others did. */
    const recover = async () => {
        for (const program of [stack, floor]) {
            if (program !== undefined && program.resourceCount() > 0) {
                await program.destroy();
            }
        }
        if (istioctlFlags !== undefined && kubectl(context, ["get", "namespaces", "-o", "name"]).includes("namespace/istio-system")) {
            await measure("istioctl", ["uninstall", "--purge", "-y"], { cwd: context.scratch, env: istioctlEnv, timeoutSeconds: 900 });
        }
        istioctlLeftovers();
    };

    const order = [stackRun, floorRun, istioctlRun];
    for (let i = 0; i < options.runs; i++) {
        log(`base, run ${i + 1} of ${options.runs}`);
        // Rotate which goes first, so that a trend in the machine's load does not favour one.
        for (let j = 0; j < order.length; j++) {
            try {
                await order[(i + j) % order.length]();
            } catch (error) {
                notes.push(`run ${i + 1}: ${(error as Error).message}`);
                log(`  ${(error as Error).message}`);
                await recover();
            }
        }
    }

    const med = (what: string) => (samples[what] === undefined ? undefined : median(samples[what].map((sample) => sample.seconds)));
    const rows = Object.entries(samples)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([what, list]) => {
            const times = list.map((sample) => sample.seconds);
            const program = list.map((sample) => sample.cpuSeconds.program).filter((value): value is number => value !== undefined);
            return [
                what,
                seconds(median(times)),
                seconds(Math.min(...times)),
                seconds(Math.max(...times)),
                seconds(median(list.map(totalCpu))),
                program.length === 0 ? "-" : seconds(median(program)),
                mebibytes(peak(list, "program")),
                mebibytes(peak(list, "kubernetes provider")),
            ];
        });
    const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? "-" : `${(a / b).toFixed(2)}x`);
    const coldUp = med("stack: cold up (empty to Ready)");
    const noopPreview = med("stack: no-op preview");
    return [
        `Base: Istio ${options.version}, ${options.runs} run(s). Wall time: median, min, max; CPU time of the whole process tree and of the ` +
            "program (Node.js), medians; peak RSS of the program and of the kubernetes provider",
        table(["", "median", "min", "max", "CPU", "program CPU", "program RSS", "k8s provider RSS"], rows),
        "",
        table(
            ["ratio (of median wall times)", "value", "target"],
            [
                ["cold up / istioctl install", ratio(coldUp, med("istioctl install")), "<= 1.00x"],
                ["no-op preview / render floor", ratio(noopPreview, med("istioctl manifest generate (render floor)")), "<= 2.00x"],
                ["no-op up / no-op preview", ratio(med("stack: no-op up"), noopPreview), "<= 1.20x"],
                ["cold up / floor program cold up", ratio(coldUp, med("floor program: cold up")), "(engine floor)"],
                ["no-op preview / floor program no-op preview", ratio(noopPreview, med("floor program: no-op preview")), "(engine floor)"],
            ],
        ),
        ...notes.map((note) => `note: ${note}`),
    ].join("\n");
}

function growthLine(what: string, unit: string, points: readonly { n: number; seconds: number }[], target = ""): string {
    if (points.length < 2) {
        return "";
    }
    const [first, last] = [points[0], points.at(-1)!];
    return `${what} grows ${(last.seconds / first.seconds).toFixed(2)}x from ${first.n} to ${last.n} ${unit}${target}`;
}

async function namespacesStep(context: Context): Promise<string> {
    const { options } = context;
    const rows: string[][] = [];
    const notes: string[] = [];
    const ups: { n: number; seconds: number }[] = [];
    const previews: { n: number; seconds: number }[] = [];
    const noops: { n: number; seconds: number }[] = [];
    for (const n of options.namespaces) {
        log(`namespaces: ${n}`);
        const stack = newStack(context, `ns${n}`);
        const names = Array.from({ length: n }, (_, i) => ({ name: `bench-ns-${String(i).padStart(4, "0")}` }));
        stack.configure(meshConfig(context, options.version, { namespaces: names }));
        const preview = required(`preview with ${n} namespaces`, await stack.preview());
        previews.push({ n, seconds: preview.seconds });
        log(`  preview: ${seconds(preview.seconds)}`);
        const predicted = predict(ups, n);
        if (predicted !== undefined && predicted > options.upLimit) {
            const why = `up with ${n} namespaces skipped: predicted ${seconds(predicted)} from the smaller ups, over --up-limit ${options.upLimit} s`;
            notes.push(why);
            log(`  ${why}`);
            rows.push([String(n), seconds(preview.seconds), "skipped", "-", "-", seconds(preview.cpuSeconds.program), mebibytes(preview.peakKiB.program), "-"]);
            continue;
        }
        const { up, noop } = await upThenNoopPreview(stack, `${n} namespaces`, n, options.upLimit, { ups, noops }, notes);
        const destroy = await stack.destroy(Math.max(options.upLimit, 600));
        log(`  destroy: ${seconds(destroy.seconds)}`);
        deleteIstioCrds(context);
        if (!destroy.ok) {
            notes.push(`destroy with ${n} namespaces ${destroy.timedOut ? "cancelled at the limit" : "failed"}:\n${tailOf(destroy)}`);
        }
        rows.push([
            String(n),
            seconds(preview.seconds),
            upCell(up, options.upLimit),
            seconds(noop?.seconds),
            destroy.ok ? seconds(destroy.seconds) : destroy.timedOut ? "over limit" : "failed",
            seconds(preview.cpuSeconds.program),
            mebibytes(preview.peakKiB.program),
            mebibytes(Math.max(up.peakKiB.program ?? 0, noop?.peakKiB.program ?? 0) || undefined),
        ]);
    }
    return [
        "Scaling: enrolled namespaces (the whole mesh plus N entries in mesh.namespaces, from an empty stack each time). " +
            "preview: from empty (plans everything); program: the Node.js process's CPU time (preview) and peak RSS",
        table(["N", "preview", "up", "no-op preview", "destroy", "program CPU", "program RSS (preview)", "program RSS (up)"], rows),
        growthLine("preview from empty", "namespaces", previews, " (target: at most linear; 500 within 3x of 1)"),
        growthLine("no-op preview", "namespaces", noops),
        growthLine("up", "namespaces", ups),
        ...notes.map((note) => `note: ${note}`),
    ]
        .filter((line) => line !== "")
        .join("\n");
}

interface ScalingSeries {
    readonly ups: { n: number; seconds: number }[];
    readonly noops: { n: number; seconds: number }[];
}

/**
 * A scaling step's up (bounded by --up-limit) and, when it succeeded, a no-op preview after it: both are logged and
 * added to `series`; what went wrong goes to `notes`, naming `what` (e.g. "50 gateways").
 */
async function upThenNoopPreview(
    stack: BenchStack,
    what: string,
    n: number,
    upLimit: number,
    series: ScalingSeries,
    notes: string[],
): Promise<{ up: Sample; noop?: Sample }> {
    const up = await stack.up(upLimit);
    log(`  up: ${seconds(up.seconds)}${up.ok ? "" : up.timedOut ? " (cancelled at the limit)" : " (FAILED)"}`);
    if (!up.ok) {
        notes.push(up.timedOut ? `up with ${what} cancelled after --up-limit ${upLimit} s` : `up with ${what} failed:\n${tailOf(up)}`);
        return { up };
    }
    series.ups.push({ n, seconds: up.seconds });
    const noop = await stack.preview(["--expect-no-changes"]);
    log(`  no-op preview: ${seconds(noop.seconds)}`);
    series.noops.push({ n, seconds: noop.seconds });
    if (!noop.ok) {
        notes.push(`the no-op preview with ${what} found changes or failed:\n${tailOf(noop)}`);
    }
    return { up, noop };
}

/** The table cell of an up: its time, or why there is none. */
function upCell(up: Sample, upLimit: number): string {
    return up.ok ? seconds(up.seconds) : up.timedOut ? `>${upLimit} s` : "failed";
}

/** Linear prediction of an up's time at `n` from the measured ones; undefined with fewer than two. */
function predict(ups: readonly { n: number; seconds: number }[], n: number): number | undefined {
    if (ups.length < 2) {
        return undefined;
    }
    const [a, b] = [ups.at(-2)!, ups.at(-1)!];
    return b.seconds + ((b.seconds - a.seconds) / (b.n - a.n)) * (n - b.n);
}

/** The release istioctl and pilot-discovery were built for, when both are built. */
function builtIstioVersion(): string | undefined {
    const bin = path.join(ROOT, ".local", "bin");
    if (!fs.existsSync(path.join(bin, "pilot-discovery")) || !fs.existsSync(path.join(bin, "istioctl"))) {
        return undefined;
    }
    const output = execFileSync(path.join(bin, "istioctl"), ["version", "--remote=false", "-o", "json"], { encoding: "utf8" });
    return (JSON.parse(output) as { clientVersion: { version: string } }).clientVersion.version;
}

/** scripts/istiod.sh, for the bench's cluster (MESH_CLUSTER, inherited). */
function istiodScript(context: Context): (command: "start" | "stop") => string {
    return (command) => {
        try {
            return run("bash", [path.join(ROOT, "scripts", "istiod.sh"), command], context.env);
        } catch (error) {
            throw new Error(`istiod.sh ${command} failed:\n${(error as { stderr?: string }).stderr ?? error}`);
        }
    };
}

async function gatewaysStep(context: Context): Promise<string> {
    const { options } = context;
    const built = builtIstioVersion();
    const chartsFor = (version: string) => (process.env.ISTIO_CHARTS_DIR ?? "").split("{version}").join(version);
    const withoutIstiod =
        built === undefined
            ? "istiod is not built (.local/bin/pilot-discovery): run scripts/tools/istio.sh"
            : !fs.existsSync(path.join(ROOT, ".local", "bin", "clusternet"))
              ? "the cluster network is not built (.local/bin/clusternet)"
              : !fs.existsSync(chartsFor(built))
                ? `no charts for the built istiod's release ${built} in ${process.env.ISTIO_CHARTS_DIR}`
                : undefined;
    // Injection templates come from the charts and istiod renders them: the stack installs istiod's own release.
    const version = withoutIstiod === undefined ? built! : options.version;
    const notes: string[] = [];
    if (withoutIstiod !== undefined) {
        notes.push(`previews only, no ups: gateway pods need the injector, and ${withoutIstiod}`);
    } else if (version !== options.version) {
        notes.push(`installs Istio ${version}, the release of the built istiod (the injection templates come from its charts)`);
    }
    const stack = new BenchStack(`bench-gw-${++stackCount}`, context.workDir, context.env, options.pulumiArgs);
    const mesh = (gateways: number) =>
        meshConfig(context, version, {
            namespaces: [],
            gateways: Array.from({ length: gateways }, (_, i) => ({
                name: `gw-${i}`,
                kind: "ingress",
                namespace: `bench-gw-${i}`,
                serviceType: "ClusterIP",
            })),
        });
    let istiod: ((command: "start" | "stop") => string) | undefined;
    // With validation failing closed once istiod patched it, Istio resources are deleted while istiod answers: the
    // stack goes first, then istiod.
    const teardown = async () => {
        if (stack.resourceCount() > 0) {
            log("gateways: destroying the mesh");
            const destroy = await stack.destroy();
            if (!destroy.ok) {
                notes.push(`destroy failed:\n${tailOf(destroy)}`);
            }
        }
        if (istiod !== undefined) {
            istiod("stop");
            istiod = undefined;
        }
        deleteIstioCrds(context);
    };
    context.cleanups.push(teardown);

    stack.configure(mesh(0));
    log(`gateways: installing the mesh (Istio ${version})`);
    required("up of the mesh without gateways", await stack.up());
    if (withoutIstiod === undefined) {
        istiod = istiodScript(context);
        log("  starting istiod (scripts/istiod.sh)");
        istiod("start");
    }
    const rows: string[][] = [];
    const ups: { n: number; seconds: number }[] = [];
    const previews: { n: number; seconds: number }[] = [];
    const noops: { n: number; seconds: number }[] = [];
    for (const n of options.gateways) {
        log(`gateways: ${n}`);
        stack.configure(mesh(n));
        const preview = required(`preview with ${n} gateways`, await stack.preview());
        previews.push({ n, seconds: preview.seconds });
        log(`  preview: ${seconds(preview.seconds)}`);
        const skip = (why: string) =>
            rows.push([String(n), seconds(preview.seconds), why, "-", "-", seconds(preview.cpuSeconds.program), mebibytes(preview.peakKiB.program), "-"]);
        if (istiod === undefined) {
            skip("not run");
            continue;
        }
        const predicted = predict(ups, n);
        if (predicted !== undefined && predicted > options.upLimit) {
            notes.push(`up with ${n} gateways skipped: predicted ${seconds(predicted)} from the smaller ups, over --up-limit ${options.upLimit} s`);
            skip("skipped");
            continue;
        }
        const { up, noop } = await upThenNoopPreview(stack, `${n} gateways`, n, options.upLimit, { ups, noops }, notes);
        stack.configure(mesh(0));
        const removal = await stack.up(Math.max(options.upLimit, 600));
        log(`  removal: ${seconds(removal.seconds)}`);
        if (!removal.ok) {
            notes.push(`removing ${n} gateways failed:\n${tailOf(removal)}`);
        }
        rows.push([
            String(n),
            seconds(preview.seconds),
            upCell(up, options.upLimit),
            seconds(noop?.seconds),
            removal.ok ? seconds(removal.seconds) : "failed",
            seconds(preview.cpuSeconds.program),
            mebibytes(preview.peakKiB.program),
            mebibytes(Math.max(up.peakKiB.program ?? 0, noop?.peakKiB.program ?? 0) || undefined),
        ]);
    }
    await teardown();
    return [
        "Scaling: ingress gateways (N entries in mesh.gateways, ClusterIP, each in its own namespace, added to an installed mesh " +
            `with istiod serving; removal: back to none). program: CPU time (preview) and peak RSS`,
        table(["N", "preview", "up", "no-op preview", "removal", "program CPU", "program RSS (preview)", "program RSS (up)"], rows),
        growthLine("preview", "gateways", previews),
        growthLine("no-op preview", "gateways", noops),
        growthLine("up", "gateways", ups),
        ...notes.map((note) => `note: ${note}`),
    ]
        .filter((line) => line !== "")
        .join("\n");
}

async function unitStep(context: Context): Promise<string> {
    // As `npm test` runs it: no cluster (a kubernetes Provider takes KUBECONFIG from the environment).
    const { KUBECONFIG: _cluster, ...unitEnv } = context.env;
    const times: number[] = [];
    let peakKiB = 0;
    for (let i = 0; i < context.options.runs; i++) {
        log(`unit suite, run ${i + 1} of ${context.options.runs}`);
        const sample = await measure("jest", [], { cwd: ROOT, env: unitEnv, timeoutSeconds: 1800 });
        if (!sample.ok) {
            return `Unit suite (jest): failed:\n${tailOf(sample)}`;
        }
        times.push(sample.seconds);
        peakKiB = Math.max(peakKiB, ...Object.values(sample.peakKiB));
        log(`  ${seconds(sample.seconds)}`);
    }
    return `Unit suite (mocked, jest): median ${seconds(median(times))} (min ${seconds(Math.min(...times))}, max ${seconds(Math.max(...times))}), peak RSS of its largest process ${mebibytes(peakKiB)}`;
}

// --- main ------------------------------------------------------------------------------------------------------------

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
    const backend = path.join(scratch, "state");
    fs.mkdirSync(backend);
    const env = { ...projectEnvironment(backend), ...options.env };
    const kubeconfig = startCluster(env);
    env.KUBECONFIG = kubeconfig;
    const workDir = path.join(scratch, "workspace");
    fs.mkdirSync(workDir);
    for (const entry of LINKED) {
        fs.symlinkSync(path.join(ROOT, entry), path.join(workDir, entry));
    }
    const context: Context = { options, env, kubeconfig, scratch, workDir, chartsDir, cleanups: [] };

    const existing = run("kubectl", ["--kubeconfig", kubeconfig, "get", "namespaces,customresourcedefinitions", "-o", "name"], env).split("\n");
    const istio = existing.filter((name) => name === "namespace/istio-system" || name.endsWith(".istio.io"));
    if (istio.length > 0) {
        console.error(
            `bench: the cluster ${clusterName()} has Istio objects already (${istio.slice(0, 3).join(", ")}${istio.length > 3 ? ", ..." : ""}); ` +
                "the bench installs and purges Istio, so give it a cluster of its own (e.g. MESH_CLUSTER=bench MESH_CLUSTER_PORT_OFFSET=200)",
        );
        fs.rmSync(scratch, { recursive: true, force: true });
        return 2;
    }

    let interrupted = false;
    const interrupt = () => {
        log("interrupted: cancelling the running command, then cleaning up");
        interrupted = true;
        signalGroup(running?.pid, "SIGINT");
    };
    process.on("SIGINT", interrupt);
    process.on("SIGTERM", interrupt);

    const version = (command: string, args: string[]) => {
        try {
            return run(command, args, env).trim().split("\n")[0];
        } catch {
            return "not found";
        }
    };
    const load = () => os.loadavg().map((n) => n.toFixed(1)).join(" ");
    // The settings that change the figures: the project's (scripts/env.sh, scripts/pulumi.sh), then any other --env.
    const shown = ["PULUMI_NODEJS_TRANSPILE_ONLY", "NODE_COMPILE_CACHE", "PULUMI_PARALLEL"];
    const otherEnv = Object.keys(options.env).filter((name) => ![...shown, "PULUMI_SKIP_CHECKPOINTS"].includes(name));
    const settings = [
        ...shown.map((name) => `${name}=${env[name] ?? "(unset)"}`),
        `previews with PULUMI_SKIP_CHECKPOINTS=${env.PULUMI_SKIP_CHECKPOINTS ?? "true"}`,
        ...otherEnv.map((name) => `${name}=${options.env[name]}`),
    ].join(", ");
    const header = [
        `istio-mesh benchmarks, ${new Date().toISOString()}`,
        `engine: pulumi ${version("pulumi", ["version"])}${options.pulumiArgs.length > 0 ? ` with ${options.pulumiArgs.join(" ")}` : ""}; ` +
            `istioctl ${version("istioctl", ["version", "--remote=false", "--short"])}; node ${version("node", ["--version"])}; ${settings}`,
        `cluster: local (${clusterName()}), kwok nodes; machine: ${os.cpus().length} CPUs, load average at the start ${load()}`,
        "The stack's ups run with --skip-preview (as the automation API does); istioctl install -y waits for readiness.",
    ];
    const sections: string[] = [];
    let failed = false;
    const steps: [Step | "warm-up", (context: Context) => Promise<string>][] = [
        ["warm-up", warmUp],
        ["base", baseStep],
        ["namespaces", namespacesStep],
        ["gateways", gatewaysStep],
        ["unit", unitStep],
    ];
    const wanted = (step: Step | "warm-up") => (step === "warm-up" ? [...options.only].some((other) => other !== "unit") : options.only.has(step));
    try {
        for (const [step, body] of steps.filter(([step]) => wanted(step))) {
            if (interrupted) {
                sections.push(`${step}: not run (interrupted)`);
                continue;
            }
            try {
                sections.push(await body(context));
            } catch (error) {
                failed = true;
                sections.push(`${step}: could not be measured: ${(error as Error).message}`);
                log(`${step}: ${(error as Error).message}`);
            } finally {
                // Each step leaves the cluster as it found it, also when it failed.
                await runCleanups(context);
            }
        }
    } finally {
        await runCleanups(context);
        fs.rmSync(scratch, { recursive: true, force: true });
    }
    console.log([...header, "", sections.join("\n\n"), "", `load average at the end: ${load()}`].join("\n"));
    // Timing never fails the bench; a step that could not run does.
    return failed || interrupted ? 1 : 0;
}

async function runCleanups(context: Context): Promise<void> {
    const cleanups = context.cleanups.splice(0).reverse();
    for (const cleanup of [...cleanups, () => deleteIstioCrds(context)]) {
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
