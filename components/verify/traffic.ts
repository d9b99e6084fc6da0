/**
 * Runs the traffic probe (trafficProbe.ts) against a cluster with kubectl: applies the probe pair, waits for its
 * pods, makes the client's call, and deletes the probes whatever happened: after a failure, and on SIGINT or SIGTERM
 * (the call in flight is stopped, the probes are deleted, then the run reports that it was interrupted).
 */
import { execFile } from "child_process";
import { CheckResult } from "./checks";
import { judgeTraffic, PROBE_LABEL, probeCall, probeManifests, probeNames, TrafficObservation, TrafficProbeOptions } from "./trafficProbe";

/** kubectl, asynchronously: the output, or a rejection whose message is kubectl's error text. */
export type Kubectl = (args: readonly string[], options?: { input?: string; signal?: AbortSignal }) => Promise<string>;

/** Where interrupts come from (the process, in the command). */
export interface SignalSource {
    on(signal: NodeJS.Signals, listener: () => void): unknown;
    off(signal: NodeJS.Signals, listener: () => void): unknown;
}

export interface TrafficRunOptions extends TrafficProbeOptions {
    /** How long the probe pods may take to become ready (image pulls included). */
    readonly readySeconds?: number;
}

export interface TrafficRun {
    readonly results: CheckResult[];
    /** The signal that interrupted the run, if one did. */
    readonly interrupted?: NodeJS.Signals;
}

export const kubectlAsync: Kubectl = (args, options = {}) =>
    new Promise((resolve, reject) => {
        const child = execFile("kubectl", [...args], { encoding: "utf8", signal: options.signal, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
            if (error) {
                reject(new Error((stderr || error.message).trim()));
            } else {
                resolve(stdout);
            }
        });
        child.stdin?.end(options.input ?? "");
    });

function firstLine(error: unknown): string {
    return String((error as Error).message ?? error).trim().split("\n")[0];
}

/** Deletes every probe object of the run and reports what is left. Never throws. */
async function deleteProbes(options: TrafficProbeOptions, kubectl: Kubectl): Promise<CheckResult> {
    const check = `the traffic probes are deleted from ${options.namespace}`;
    const selector = ["-n", options.namespace, "-l", `${PROBE_LABEL}=${options.runId}`];
    try {
        await kubectl(["delete", "pod,service,serviceaccount", ...selector, "--ignore-not-found", "--timeout=60s"]);
        const left = (await kubectl(["get", "pod,service,serviceaccount", ...selector, "-o", "name"])).trim();
        return left === ""
            ? { check, status: "ok", detail: `nothing labeled ${PROBE_LABEL}=${options.runId} is left` }
            : { check, status: "fail", detail: `still there: ${left.split("\n").join(", ")}; delete them with kubectl delete pod,service,serviceaccount ${selector.join(" ")}` };
    } catch (error) {
        return { check, status: "fail", detail: `${firstLine(error)}; delete them with kubectl delete pod,service,serviceaccount ${selector.join(" ")}` };
    }
}

export async function runTrafficProbe(
    options: TrafficRunOptions,
    kubectl: Kubectl = kubectlAsync,
    signals: SignalSource = process,
): Promise<TrafficRun> {
    const names = probeNames(options.runId);
    const abort = new AbortController();
    let interrupted: NodeJS.Signals | undefined;
    const listeners = (["SIGINT", "SIGTERM"] as const).map((signal) => {
        const listener = () => {
            interrupted ??= signal;
            abort.abort();
        };
        signals.on(signal, listener);
        return { signal, listener };
    });
    const step = (args: readonly string[], input?: string) => kubectl(args, { input, signal: abort.signal });
    let observation: TrafficObservation;
    try {
        observation = await observe();
    } catch (error) {
        observation = { callError: firstLine(error) };
    }
    // Reached whatever happened above, and not abortable: a signal stops the rest, never the clean-up.
    const cleanup = await deleteProbes(options, kubectl);
    for (const { signal, listener } of listeners) {
        signals.off(signal, listener);
    }
    const results = judgeTraffic(options, interrupted !== undefined ? { interrupted } : observation);
    return { results: [...results, cleanup], interrupted };

    async function observe(): Promise<TrafficObservation> {
        try {
            await step(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: probeManifests(options) }));
        } catch (error) {
            return { notReady: `the probes were refused: ${firstLine(error)}` };
        }
        try {
            await step([
                "wait",
                "--for=condition=Ready",
                "pod",
                names.client,
                names.server,
                "-n",
                options.namespace,
                `--timeout=${options.readySeconds ?? 120}s`,
            ]);
        } catch (error) {
            return { notReady: `not ready in ${options.readySeconds ?? 120}s: ${firstLine(error)}` };
        }
        try {
            return { output: await step(["exec", "-n", options.namespace, names.client, "-c", "client", "--", ...probeCall(options)]) };
        } catch (error) {
            return { callError: `kubectl exec ${names.client}: ${firstLine(error)}` };
        }
    }
}
