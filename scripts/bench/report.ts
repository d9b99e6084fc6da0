/** Statistics and the printed tables, with the goals beside the figures. */
import type { Sample } from "./processes";

/** One line of the goals table: a figure of the table, what was measured, and the goal. */
export interface Goal {
    readonly figure: string;
    /** The measured value, as printed ("6.10x (21.0 s / 3.46 s)"), or why there is none. */
    readonly measured: string;
    readonly goal: string;
    /** Undefined when not measured. */
    readonly met?: boolean;
}

/** What a step prints: its section, and the goals it measured. */
export interface StepReport {
    readonly section: string;
    readonly goals: readonly Goal[];
}

export function median(values: readonly number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function seconds(value: number | undefined): string {
    return value === undefined ? "-" : `${value.toFixed(value < 10 ? 2 : 1)} s`;
}

export function mebibytes(kib: number | undefined): string {
    return kib === undefined || kib === 0 ? "-" : `${Math.round(kib / 1024)} MiB`;
}

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
    const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (row[column] ?? "").length)));
    const line = (row: readonly string[]) =>
        row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join("   ").trimEnd();
    return [line(header), ...rows.map(line)].join("\n");
}

/** The largest peak RSS of one role over samples. */
export function peak(samples: readonly Sample[], role: string): number | undefined {
    const values = samples.map((sample) => sample.peakKiB[role]).filter((value): value is number => value !== undefined);
    return values.length === 0 ? undefined : Math.max(...values);
}

/** A ratio goal: `a / b` at most `limit`. */
export function ratioGoal(figure: string, a: number | undefined, b: number | undefined, limit: number, goal: string): Goal {
    if (a === undefined || b === undefined) {
        return { figure, measured: "not measured", goal };
    }
    const ratio = a / b;
    return { figure, measured: `${ratio.toFixed(2)}x (${seconds(a)} / ${seconds(b)})`, goal, met: ratio <= limit };
}

/** A point of a scaling series: N and the seconds it took. */
export interface Point {
    readonly n: number;
    readonly seconds: number;
}

/** "grows 2.10x from 1 to 500 namespaces, 0.041 s per added namespace". */
export function growthLine(what: string, unit: string, points: readonly Point[]): string {
    if (points.length < 2) {
        return "";
    }
    const [first, last] = [points[0], points.at(-1)!];
    return (
        `${what} grows ${(last.seconds / first.seconds).toFixed(2)}x from ${first.n} to ${last.n} ${unit}, ` +
        `${perAdded(first, last).toFixed(3)} s per added ${unit.replace(/s$/, "")}`
    );
}

/** Seconds per added unit between two points. */
export function perAdded(first: Point, last: Point): number {
    return (last.seconds - first.seconds) / (last.n - first.n);
}

/** The goals of a scaling series: the size (`at`), and the largest size measured when larger. */
export function growthGoals(figure: (n: number) => string, points: readonly Point[], at: number, limit: number, goal: string): Goal[] {
    const first = points[0];
    const sizes = [...new Set([at, points.at(-1)?.n ?? at])].filter((n) => n > (first?.n ?? 0));
    return sizes.map((n) => {
        const point = points.find((candidate) => candidate.n === n);
        return ratioGoal(figure(n), point?.seconds, point === undefined ? undefined : first?.seconds, limit, goal);
    });
}

export function goalsTable(goals: readonly Goal[]): string {
    const verdict = (goal: Goal) => (goal.met === undefined ? "-" : goal.met ? "met" : "NOT met");
    return table(
        ["figure", "measured", "goal", ""],
        goals.map((goal) => [goal.figure, goal.measured, goal.goal, verdict(goal)]),
    );
}
