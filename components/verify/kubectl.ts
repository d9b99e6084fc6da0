/**
 * Reading a cluster with kubectl (the current context, or KUBECONFIG), for `npm run verify` and the end-to-end suite.
 */
import { execFileSync } from "child_process";

export interface KubeObject {
    readonly apiVersion: string;
    readonly kind: string;
    readonly metadata: {
        readonly name: string;
        readonly namespace?: string;
        readonly labels?: Record<string, string>;
        readonly uid?: string;
    };
    readonly [key: string]: unknown;
}

export function kubectl(args: readonly string[], input?: string): string {
    // Istio's CRDs alone are several megabytes of JSON.
    // The environment passed on explicitly: a caller (a test) may point KUBECONFIG at another cluster.
    return execFileSync("kubectl", [...args], {
        encoding: "utf8",
        env: process.env,
        input,
        stdio: ["pipe", "pipe", "pipe"],
        timeout: 60_000,
        maxBuffer: 256 * 1024 * 1024,
    });
}

/** kubectl's error text (its stderr), for a failed call. */
export function kubectlError(error: unknown): string {
    return String((error as { stderr?: string }).stderr || (error as Error).message || error);
}

export function getJson<T = KubeObject>(args: readonly string[]): T {
    return JSON.parse(kubectl(["get", ...args, "-o", "json"])) as T;
}

/** The object, or undefined when the API server says it does not exist. */
export function find(kind: string, name: string, namespace?: string): KubeObject | undefined {
    try {
        return getJson([kind, name, ...(namespace ? ["-n", namespace] : [])]);
    } catch (error) {
        if (String((error as { stderr?: string }).stderr ?? error).includes("NotFound")) {
            return undefined;
        }
        throw error;
    }
}

/** Waits until `check` passes, retrying every second up to `seconds`. */
export async function eventually<T>(check: () => T, seconds: number): Promise<T> {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
        try {
            return check();
        } catch (error) {
            if (Date.now() > deadline) {
                throw error;
            }
            await new Promise((resolve) => setTimeout(resolve, 1000));
        }
    }
}
