/** What the two scaling steps share: an up bounded by --up-limit, its no-op preview, and a row of figures. */
import { log, Sample, tailOf } from "../processes";
import { mebibytes, Point, seconds } from "../report";
import type { BenchStack } from "../stack";

export interface ScalingSeries {
    readonly previews: Point[];
    readonly ups: Point[];
    readonly noops: Point[];
}

export function newSeries(): ScalingSeries {
    return { previews: [], ups: [], noops: [] };
}

/**
 * A scaling step's up (bounded by `upLimit`) and, when it succeeded, a no-op preview after it: both are logged and
 * added to `series`; what went wrong goes to `notes`, naming `what` (e.g. "50 gateways").
 */
export async function upThenNoopPreview(
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

/** Linear prediction of an up's time at `n` from the measured ones; undefined with fewer than two. */
export function predict(ups: readonly Point[], n: number): number | undefined {
    if (ups.length < 2) {
        return undefined;
    }
    const [a, b] = [ups.at(-2)!, ups.at(-1)!];
    return b.seconds + ((b.seconds - a.seconds) / (b.n - a.n)) * (n - b.n);
}

export const SCALING_HEADER = [
    "N",
    "preview",
    "up",
    "no-op preview",
    "teardown",
    "program CPU (preview / up)",
    "engine CPU (up)",
    "program RSS (up)",
    "engine RSS (up)",
    "state",
];

/** One row of a scaling table; `up` undefined when it was not run, with `why`. */
export function scalingRow(
    n: number,
    preview: Sample,
    result: { up?: Sample; noop?: Sample; teardown?: Sample; stateBytes?: number; why?: string },
    upLimit: number,
): string[] {
    const { up, noop, teardown } = result;
    const upCell = up === undefined ? (result.why ?? "-") : up.ok ? seconds(up.seconds) : up.timedOut ? `>${upLimit} s` : "failed";
    return [
        String(n),
        seconds(preview.seconds),
        upCell,
        seconds(noop?.seconds),
        teardown === undefined ? "-" : teardown.ok ? seconds(teardown.seconds) : teardown.timedOut ? "over limit" : "failed",
        `${seconds(preview.cpuSeconds.program)} / ${seconds(up?.cpuSeconds.program)}`,
        seconds(up?.cpuSeconds.engine),
        mebibytes(up?.peakKiB.program),
        mebibytes(up?.peakKiB.engine),
        result.stateBytes === undefined ? "-" : `${(result.stateBytes / 1e6).toFixed(2)} MB`,
    ];
}
