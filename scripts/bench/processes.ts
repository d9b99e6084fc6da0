/**
 * Commands timed as a whole (process start to exit), with the CPU time and peak resident memory of every process
 * they start (the program, i.e. the Node.js process that runs index.ts, the engine, the providers), read from /proc
 * while they run.
 */
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";

export interface Sample {
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
export function measure(
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

let interrupted = false;

/** Asks the command that runs now (if any) to stop: SIGINT to its process group; the steps stop at their next check. */
export function interruptRunning(): void {
    interrupted = true;
    signalGroup(running?.pid, "SIGINT");
}

/** Whether the bench was interrupted: a step's loop stops then. */
export function isInterrupted(): boolean {
    return interrupted;
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

/** Runs a command and returns its output; throws with its stderr when it fails. */
export function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd: string): string {
    return execFileSync(command, args, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 256 * 1024 * 1024 });
}

export function log(message: string): void {
    process.stderr.write(`[bench] ${message}\n`);
}

export function tailOf(sample: Sample, lines = 25): string {
    return sample.tail.trimEnd().split("\n").slice(-lines).join("\n");
}

/** The CPU time of all of a command's processes. */
export function totalCpu(sample: Sample): number {
    return Object.values(sample.cpuSeconds).reduce((sum, value) => sum + value, 0);
}

/** Fails with the command's output when a step that the next ones need did not succeed. */
export function required(what: string, sample: Sample): Sample {
    if (!sample.ok) {
        throw new Error(`${what} ${sample.timedOut ? "timed out" : "failed"} after ${sample.seconds.toFixed(1)} s:\n${tailOf(sample, 40)}`);
    }
    return sample;
}
