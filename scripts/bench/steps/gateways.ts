/**
 * N ingress gateways (ClusterIP, each in its own namespace) added to an installed mesh: the preview, the up, the no-op
 * preview after it, and the up back to none. Gateway pods are only created once the injector serves, so istiod runs
 * for real (scripts/istiod.sh) for this step; without a built istiod (or charts of its version) only the previews are
 * measured, and the output says so. Beside each preview, the engine's floor for the same N (floor.ts: N namespaces
 * and gateway charts in a plain program): what an added gateway costs any program, and so the ratio the goal would
 * have if each gateway cost the stack no more than that.
 */
import * as fs from "fs";
import * as path from "path";
import { deleteIstioCrds, PROJECT_ROOT } from "../../../test/e2e/workspace";
import type { Context } from "../context";
import { gatewayFloorStack } from "../floor";
import { builtIstioVersion } from "../istioctl";
import { isInterrupted, log, required, run, tailOf } from "../processes";
import { growthGoals, growthLine, perAdded, Point, ratioGoal, seconds, StepReport, table } from "../report";
import { meshConfig, newMeshStack } from "../stack";
import { newSeries, predict, SCALING_HEADER, scalingRow, upThenNoopPreview } from "./scaling";

/** The size of the issue's goal: a preview with 50 gateways within 1.3x of one with 1. */
const GOAL_AT = 50;

/** scripts/istiod.sh, for the bench's cluster (MESH_CLUSTER, inherited). */
function istiodScript(context: Context): (command: "start" | "stop") => string {
    return (command) => {
        try {
            return run("bash", [path.join(PROJECT_ROOT, "scripts", "istiod.sh"), command], context.env, PROJECT_ROOT);
        } catch (error) {
            throw new Error(`istiod.sh ${command} failed:\n${(error as { stderr?: string }).stderr ?? error}`);
        }
    };
}

function chartsFor(version: string): string {
    return (process.env.ISTIO_CHARTS_DIR ?? "").split("{version}").join(version);
}

/** Why the gateways cannot be installed for real here, or undefined when they can. */
function withoutIstiod(built: string | undefined): string | undefined {
    if (built === undefined) {
        return "istiod is not built (.local/bin/pilot-discovery): run scripts/tools/istio.sh";
    }
    if (!fs.existsSync(path.join(PROJECT_ROOT, ".local", "bin", "clusternet"))) {
        return "the cluster network is not built (.local/bin/clusternet)";
    }
    return fs.existsSync(chartsFor(built)) ? undefined : `no charts for the built istiod's release ${built} in ${process.env.ISTIO_CHARTS_DIR}`;
}

export async function gatewaysStep(context: Context): Promise<StepReport> {
    const { options } = context;
    const built = builtIstioVersion();
    const missing = withoutIstiod(built);
    // Injection templates come from the charts and istiod renders them: the stack installs istiod's own release.
    const version = missing === undefined ? built! : options.version;
    const notes: string[] = [];
    if (missing !== undefined) {
        notes.push(`previews only, no ups: gateway pods need the injector, and ${missing}`);
    } else if (version !== options.version) {
        notes.push(`installs Istio ${version}, the release of the built istiod (the injection templates come from its charts)`);
    }
    const stack = newMeshStack(context, "gw");
    const gatewayChart = path.join(chartsFor(version), "gateway");
    const floorPreview = fs.existsSync(gatewayChart) ? gatewayFloorStack(context, gatewayChart) : undefined;
    if (floorPreview === undefined) {
        notes.push(`no gateway chart at ${gatewayChart}: the engine's floor is not measured`);
    }
    const floorRows: string[][] = [];
    const floorPoints: Point[] = [];
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
        deleteIstioCrds();
    };
    context.cleanups.push(teardown);

    stack.configure(mesh(0));
    log(`gateways: installing the mesh (Istio ${version})`);
    required("up of the mesh without gateways", await stack.up());
    if (missing === undefined) {
        istiod = istiodScript(context);
        log("  starting istiod (scripts/istiod.sh)");
        istiod("start");
    }
    const rows: string[][] = [];
    const series = newSeries();
    for (const n of options.gateways) {
        if (isInterrupted()) {
            break;
        }
        log(`gateways: ${n}`);
        stack.configure(mesh(n));
        const preview = required(`preview with ${n} gateways`, await stack.preview());
        series.previews.push({ n, seconds: preview.seconds });
        log(`  preview: ${seconds(preview.seconds)}`);
        if (floorPreview !== undefined) {
            const floor = await floorPreview(n);
            log(`  floor program's preview: ${seconds(floor.seconds)}${floor.ok ? "" : " (FAILED)"}`);
            if (floor.ok) {
                floorPoints.push({ n, seconds: floor.seconds });
                floorRows.push([String(n), seconds(floor.seconds), seconds(floor.cpuSeconds.program), seconds(floor.cpuSeconds.engine)]);
            } else {
                notes.push(`the floor program's preview with ${n} gateways failed:\n${tailOf(floor)}`);
            }
        }
        if (istiod === undefined) {
            rows.push(scalingRow(n, preview, { why: "not run" }, options.upLimit));
            continue;
        }
        const predicted = predict(series.ups, n);
        if (predicted !== undefined && predicted > options.upLimit) {
            notes.push(`up with ${n} gateways skipped: predicted ${seconds(predicted)} from the smaller ups, over --up-limit ${options.upLimit} s`);
            rows.push(scalingRow(n, preview, { why: "skipped" }, options.upLimit));
            continue;
        }
        const { up, noop } = await upThenNoopPreview(stack, `${n} gateways`, n, options.upLimit, series, notes);
        const stateBytes = up.ok ? stack.state().bytes : undefined;
        stack.configure(mesh(0));
        const removal = await stack.up(Math.max(options.upLimit, 600));
        log(`  removal: ${seconds(removal.seconds)}`);
        if (!removal.ok) {
            notes.push(`removing ${n} gateways failed:\n${tailOf(removal)}`);
        }
        rows.push(scalingRow(n, preview, { up, noop, teardown: removal, stateBytes }, options.upLimit));
    }
    await teardown();
    const bound = floorBound(series.previews, floorPoints);
    return {
        section: [
            "Scaling: ingress gateways (N entries in mesh.gateways, ClusterIP, each in its own namespace, added to an installed mesh " +
                "with istiod serving; teardown: the up back to none); CPU time and peak RSS of the program and the engine",
            table(SCALING_HEADER, rows),
            growthLine("preview", "gateways", series.previews),
            growthLine("no-op preview", "gateways", series.noops),
            growthLine("up", "gateways", series.ups),
            "",
            "Engine floor: a plain program with N namespaces and gateway charts (floor.ts), preview from an empty state",
            table(["N", "preview", "program CPU", "engine CPU"], floorRows),
            growthLine("floor program's preview", "gateways", floorPoints),
            ...bound.lines,
            ...notes.map((note) => `note: ${note}`),
        ]
            .filter((line) => line !== "")
            .join("\n"),
        goals: [...growthGoals((n) => `preview, ${series.previews[0]?.n ?? 1} to ${n} gateways`, series.previews, GOAL_AT, 1.3, "<= 1.30x"), ...bound.goals],
    };
}

/**
 * What the goal allows per added gateway (0.3x the stack's first preview over 49 added), against what the floor
 * program pays per added gateway; and the ratio the stack's previews would have at GOAL_AT if each added gateway cost
 * only the floor's, keeping the stack's first preview.
 */
function floorBound(previews: readonly Point[], floor: readonly Point[]): { lines: string[]; goals: ReturnType<typeof ratioGoal>[] } {
    const first = previews[0];
    if (first === undefined || floor.length < 2) {
        return { lines: [], goals: [] };
    }
    const floorPerGateway = perAdded(floor[0], floor.at(-1)!);
    const allowed = (0.3 * first.seconds) / (GOAL_AT - first.n);
    const withFloorCost = first.seconds + floorPerGateway * (GOAL_AT - first.n);
    const stackPerGateway = previews.length < 2 ? undefined : perAdded(first, previews.at(-1)!);
    return {
        lines: [
            `per added gateway: the stack's preview ${stackPerGateway === undefined ? "-" : `${stackPerGateway.toFixed(3)} s`}, the floor program's ` +
                `${floorPerGateway.toFixed(3)} s; the goal (<= 1.30x from ${first.n} to ${GOAL_AT}, from the stack's ${seconds(first.seconds)}) allows ${allowed.toFixed(3)} s`,
        ],
        goals: [
            ratioGoal(
                `preview, ${first.n} to ${GOAL_AT} gateways, each at the floor program's cost`,
                withFloorCost,
                first.seconds,
                1.3,
                "<= 1.30x (the floor of the goal above)",
            ),
        ],
    };
}
