/**
 * In each run: the stack's cold up (empty to Ready), no-op preview, no-op up and destroy; the same for the engine's
 * floor (floor.ts); then `istioctl install` (it waits for readiness), `istioctl uninstall --purge`, and the
 * render-only floor (`istioctl manifest generate`). Runs rotate which goes first. Medians of the runs, and ratios.
 * With --baseline, an earlier checkout's program previews the stack's state too, beside this one's no-op preview.
 */
import * as fs from "fs";
import * as path from "path";
import { deleteIstioCrds, ProjectFolder } from "../../../test/e2e/workspace";
import { Context, kubectl } from "../context";
import { floorStack } from "../floor";
import { istioctlFlags, istioctlManifests } from "../istioctl";
import { isInterrupted, log, measure, required, Sample, tailOf, totalCpu } from "../processes";
import { Goal, mebibytes, median, peak, ratioGoal, seconds, StepReport, table } from "../report";
import { BenchStack, meshConfig, newMeshStack } from "../stack";

const COLD_UP = "stack: cold up (empty to Ready)";
const NOOP_PREVIEW = "stack: no-op preview";
const BASELINE_PREVIEW = "baseline program (--baseline): no-op preview";
const NOOP_UP = "stack: no-op up";
const FLOOR_UP = "floor program: cold up";
const FLOOR_PREVIEW = "floor program: no-op preview";
const PLUGINS_FLOOR_PREVIEW = "floor program with the stack's plugins: no-op preview";
const ISTIOCTL_INSTALL = "istioctl install";
const RENDER_FLOOR = "istioctl manifest generate (render floor)";

export async function baseStep(context: Context): Promise<StepReport> {
    const { options } = context;
    const manifests = istioctlManifests(context.chartsDir, context.scratch);
    const flags = manifests === undefined ? undefined : istioctlFlags(manifests, options.version);
    const notes: string[] = [];
    if (manifests === undefined) {
        notes.push(`no charts in Istio's source layout (istio-control) under ${context.chartsDir}: istioctl and the floor program are not measured`);
    }
    const istioctlEnv = { ...context.env, KUBECONFIG: context.kubeconfig };
    const istioctl = (args: string[], timeoutSeconds: number) => measure("istioctl", args, { cwd: context.scratch, env: istioctlEnv, timeoutSeconds });
    const stack = newMeshStack(context, "base");
    stack.configure(meshConfig(context, options.version));
    const floor = manifests === undefined ? undefined : floorStack(context, path.join(manifests, "charts"));
    const pluginsFloor = manifests === undefined ? undefined : floorStack(context, path.join(manifests, "charts"), true);
    const baseline = baselineOf(context, stack.name, notes);
    const samples: Record<string, Sample[]> = {};
    // Only successful measurements count; a failed one is reported by the step that needed it.
    const record = (what: string, sample: Sample) => {
        if (sample.ok) {
            (samples[what] ??= []).push(sample);
        }
        log(`  ${what}: ${seconds(sample.seconds)}${sample.ok ? "" : " (FAILED)"}`);
        return sample;
    };

    let stackRuns = 0;
    const stackRun = async () => {
        required("cold up", record(COLD_UP, await stack.up()));
        // The baseline's preview goes first in every other run, so that neither is always the warmer one.
        const previews = [
            async () => {
                const preview = record(NOOP_PREVIEW, await stack.preview(["--expect-no-changes"]));
                if (!preview.ok) {
                    notes.push(`the no-op preview found changes or failed:\n${tailOf(preview)}`);
                }
            },
            async () => {
                if (baseline !== undefined) {
                    const preview = record(BASELINE_PREVIEW, await baseline.preview(["--expect-no-changes"]));
                    if (!preview.ok) {
                        notes.push(`the baseline's no-op preview found changes or failed:\n${tailOf(preview)}`);
                    }
                }
            },
        ];
        for (const preview of stackRuns++ % 2 === 0 ? previews : [...previews].reverse()) {
            await preview();
        }
        const up = record(NOOP_UP, await stack.pulumi(["up", "--yes", "--skip-preview", "--expect-no-changes"]));
        if (!up.ok) {
            notes.push(`the no-op up found changes or failed:\n${tailOf(up)}`);
        }
        required("destroy", record("stack: destroy", await stack.destroy()));
        // Istio's charts mark their CRDs helm.sh/resource-policy: keep, so a destroy leaves them (as helm uninstall
        // does); the next cold up starts from an empty cluster again.
        deleteIstioCrds();
    };
    const floorRun = async () => {
        if (floor === undefined) {
            return;
        }
        required("floor cold up", record(FLOOR_UP, await floor.up()));
        record(FLOOR_PREVIEW, await floor.preview(["--expect-no-changes"]));
        required("floor destroy", record("floor program: destroy", await floor.destroy()));
        deleteIstioCrds();
        if (pluginsFloor !== undefined) {
            required("floor with the stack's plugins: cold up", record("floor program with the stack's plugins: cold up", await pluginsFloor.up()));
            record(PLUGINS_FLOOR_PREVIEW, await pluginsFloor.preview(["--expect-no-changes"]));
            required("floor with the stack's plugins: destroy", record("floor program with the stack's plugins: destroy", await pluginsFloor.destroy()));
            deleteIstioCrds();
        }
    };
    // istioctl leaves its namespace, and the purge does not wait for the CRDs to be gone; the stack creates both.
    const istioctlLeftovers = () => {
        kubectl(context, ["delete", "namespace", "istio-system", "--ignore-not-found", "--wait=true", "--timeout=300s"]);
        deleteIstioCrds();
    };
    const istioctlRun = async () => {
        if (flags === undefined) {
            return;
        }
        const install = record(ISTIOCTL_INSTALL, await istioctl(["install", ...flags, "-y"], 900));
        record("istioctl uninstall --purge", await istioctl(["uninstall", "--purge", "-y"], 900));
        required("istioctl install", install);
        istioctlLeftovers();
        record(RENDER_FLOOR, await istioctl(["manifest", "generate", ...flags], 300));
    };
    /** After a failed measurement: back to an empty cluster, so that the next run starts as the others did. */
    const recover = async () => {
        for (const program of [stack, floor, pluginsFloor]) {
            if (program !== undefined && program.resourceCount() > 0) {
                await program.destroy();
            }
        }
        if (flags !== undefined && kubectl(context, ["get", "namespaces", "-o", "name"]).includes("namespace/istio-system")) {
            await istioctl(["uninstall", "--purge", "-y"], 900);
        }
        istioctlLeftovers();
    };

    if (baseline !== undefined) {
        // Its first run in its folder compiles its program; not counted.
        log("  baseline program: first preview (not counted)");
        await baseline.preview([]);
    }
    const order = [stackRun, floorRun, istioctlRun];
    for (let i = 0; i < options.runs && !isInterrupted(); i++) {
        log(`base, run ${i + 1} of ${options.runs}`);
        // Rotate which goes first, so that a trend in the machine's load does not favour one.
        for (let j = 0; j < order.length && !isInterrupted(); j++) {
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
    const medianOf = (list: readonly Sample[], role: string) => {
        const values = list.map((sample) => sample.cpuSeconds[role]).filter((value): value is number => value !== undefined);
        return values.length === 0 ? undefined : median(values);
    };
    const rows = Object.entries(samples)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([what, list]) => {
            const times = list.map((sample) => sample.seconds);
            return [
                what,
                seconds(median(times)),
                seconds(Math.min(...times)),
                seconds(Math.max(...times)),
                seconds(median(list.map(totalCpu))),
                seconds(medianOf(list, "program")),
                seconds(medianOf(list, "engine")),
                mebibytes(peak(list, "program")),
                mebibytes(peak(list, "engine")),
                mebibytes(peak(list, "kubernetes provider")),
            ];
        });
    const coldUp = med(COLD_UP);
    const noopPreview = med(NOOP_PREVIEW);
    const goals: Goal[] = [
        ratioGoal("cold up, empty to Ready / istioctl install", coldUp, med(ISTIOCTL_INSTALL), 2, "<= 2.00x istioctl"),
        ratioGoal("no-op preview / engine floor's no-op preview", noopPreview, med(FLOOR_PREVIEW), 1.1, "<= 1.10x the floor"),
    ];
    const info = (figure: string, a: number | undefined, b: number | undefined) => {
        const goal = ratioGoal(figure, a, b, Infinity, "");
        return [goal.figure, goal.measured];
    };
    return {
        section: [
            `Base: Istio ${options.version}, ${options.runs} run(s). Wall time: median, min, max; CPU time of the whole process tree, of the ` +
                "program (Node.js) and of the engine, medians; peak RSS of the program, the engine and the kubernetes provider",
            table(["", "median", "min", "max", "CPU", "program CPU", "engine CPU", "program RSS", "engine RSS", "k8s provider RSS"], rows),
            "",
            table(
                ["other ratios (of median wall times)", "value"],
                [
                    info("cold up / engine floor's cold up", coldUp, med(FLOOR_UP)),
                    info("no-op preview / the floor with the stack's plugins (tls, dynamic provider)", noopPreview, med(PLUGINS_FLOOR_PREVIEW)),
                    info("the floor with the stack's plugins / the floor (no-op previews)", med(PLUGINS_FLOOR_PREVIEW), med(FLOOR_PREVIEW)),
                    info("no-op preview / render floor (istioctl manifest generate)", noopPreview, med(RENDER_FLOOR)),
                    info("no-op up / no-op preview", med(NOOP_UP), noopPreview),
                    ...(baseline === undefined
                        ? []
                        : [
                              info("no-op preview / baseline's no-op preview", noopPreview, med(BASELINE_PREVIEW)),
                              info("baseline's no-op preview / engine floor's", med(BASELINE_PREVIEW), med(FLOOR_PREVIEW)),
                          ]),
                ],
            ),
            ...notes.map((note) => `note: ${note}`),
        ].join("\n"),
        goals,
    };
}

/**
 * The --baseline checkout's no-op preview of the stack `stackName` (same state, same configuration, its own program),
 * or undefined without --baseline.
 */
function baselineOf(context: Context, stackName: string, notes: string[]): { preview: (args: readonly string[]) => Promise<Sample> } | undefined {
    const root = context.options.baseline;
    if (root === undefined) {
        return undefined;
    }
    const missing = ["index.ts", "node_modules"].filter((entry) => !fs.existsSync(path.join(root, entry)));
    if (missing.length > 0) {
        notes.push(`--baseline ${root} has no ${missing.join(" and no ")} (run npm ci there, or link this checkout's node_modules): no baseline measured`);
        return undefined;
    }
    const folder = new ProjectFolder("mesh-bench-baseline", { root });
    context.cleanups.push(() => folder.remove());
    const stack = new BenchStack(stackName, folder.dir, context.env, context.options.pulumiArgs, false);
    const stackFile = `Pulumi.${stackName}.yaml`;
    return {
        preview: (args) => {
            // The stack file as this checkout's program last used it (configuration and encryption salt).
            fs.copyFileSync(path.join(context.folder.dir, stackFile), path.join(folder.dir, stackFile));
            return stack.preview(args);
        },
    };
}
