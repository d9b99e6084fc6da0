/** The whole stack with N entries in mesh.namespaces: preview from empty, up, no-op preview, destroy. */
import { deleteIstioCrds } from "../../../test/e2e/workspace";
import type { Context } from "../context";
import { isInterrupted, log, required, tailOf } from "../processes";
import { growthGoals, growthLine, seconds, StepReport, table } from "../report";
import { meshConfig, newMeshStack } from "../stack";
import { newSeries, predict, SCALING_HEADER, scalingRow, upThenNoopPreview } from "./scaling";

/** The size of the goal: an up with 500 enrolled namespaces within 2x of one with 1. */
const GOAL_AT = 500;

export async function namespacesStep(context: Context): Promise<StepReport> {
    const { options } = context;
    const rows: string[][] = [];
    const notes: string[] = [];
    const series = newSeries();
    for (const n of options.namespaces) {
        if (isInterrupted()) {
            break;
        }
        log(`namespaces: ${n}`);
        const stack = newMeshStack(context, `ns${n}`);
        const names = Array.from({ length: n }, (_, i) => ({ name: `bench-ns-${String(i).padStart(4, "0")}` }));
        stack.configure(meshConfig(context, options.version, { namespaces: names }));
        const preview = required(`preview with ${n} namespaces`, await stack.preview());
        series.previews.push({ n, seconds: preview.seconds });
        log(`  preview: ${seconds(preview.seconds)}`);
        const predicted = predict(series.ups, n);
        if (predicted !== undefined && predicted > options.upLimit) {
            const why = `up with ${n} namespaces skipped: predicted ${seconds(predicted)} from the smaller ups, over --up-limit ${options.upLimit} s`;
            notes.push(why);
            log(`  ${why}`);
            rows.push(scalingRow(n, preview, { why: "skipped" }, options.upLimit));
            continue;
        }
        const { up, noop } = await upThenNoopPreview(stack, `${n} namespaces`, n, options.upLimit, series, notes);
        const stateBytes = up.ok ? stack.state().bytes : undefined;
        const destroy = await stack.destroy(Math.max(options.upLimit, 600));
        log(`  destroy: ${seconds(destroy.seconds)}`);
        deleteIstioCrds();
        if (!destroy.ok) {
            notes.push(`destroy with ${n} namespaces ${destroy.timedOut ? "cancelled at the limit" : "failed"}:\n${tailOf(destroy)}`);
        }
        rows.push(scalingRow(n, preview, { up, noop, teardown: destroy, stateBytes }, options.upLimit));
    }
    return {
        section: [
            "Scaling: enrolled namespaces (the whole mesh plus N entries in mesh.namespaces, from an empty stack each time). " +
                "preview: from empty (plans everything); teardown: destroy; CPU time and peak RSS of the program (Node.js) and " +
                "the engine; state: the exported state's size after the up",
            table(SCALING_HEADER, rows),
            growthLine("preview from empty", "namespaces", series.previews),
            growthLine("no-op preview", "namespaces", series.noops),
            growthLine("up", "namespaces", series.ups),
            ...notes.map((note) => `note: ${note}`),
        ]
            .filter((line) => line !== "")
            .join("\n"),
        goals: growthGoals((n) => `up, ${series.ups[0]?.n ?? 1} to ${n} enrolled namespaces`, series.ups, GOAL_AT, 2, "<= 2.00x, checkpoints kept"),
    };
}
