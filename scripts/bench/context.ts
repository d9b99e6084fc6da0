/** What every step of the bench gets: options, environment, cluster, the shared project folder, cleanups. */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT, ProjectFolder } from "../../test/e2e/workspace";
import type { Options } from "./options";
import { log, run } from "./processes";

export interface Context {
    readonly options: Options;
    readonly env: NodeJS.ProcessEnv;
    readonly kubeconfig: string;
    /** A temporary folder of the bench's own (istioctl's manifests, the floor program). */
    readonly scratch: string;
    /** The project's program, with a state backend of its own (test/e2e/workspace.ts, as the end-to-end suites). */
    readonly folder: ProjectFolder;
    readonly chartsDir: string;
    /** Run after each step, last first, also when it failed: each step leaves the cluster as it found it. */
    readonly cleanups: (() => Promise<void> | void)[];
}

/** The environment the project's scripts run pulumi with (scripts/env.sh), with the given state backend. */
export function projectEnvironment(backendUrl: string): NodeJS.ProcessEnv {
    const output = execFileSync("bash", ["-c", 'source "$1/scripts/env.sh" >/dev/null && env -0', "bench", PROJECT_ROOT], {
        env: { ...process.env, PULUMI_BACKEND_URL: backendUrl },
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

export function clusterName(): string {
    return process.env.MESH_CLUSTER || "cluster";
}

/** What the bench runs; the tools build runs only when one is missing. */
const TOOLS = ["pulumi", "pulumi-resource-kubernetes", "kube-apiserver", "etcd", "kwok", "istioctl"];

/** Builds the tools if one is missing (cached) and starts the local cluster; returns its kubeconfig. */
export function startCluster(env: NodeJS.ProcessEnv): string {
    const missing = TOOLS.filter((tool) => !fs.existsSync(path.join(PROJECT_ROOT, ".local", "bin", tool)));
    log(missing.length > 0 ? `building the tools (${missing.join(", ")} missing) and starting the local cluster` : "starting the local cluster");
    try {
        if (missing.length > 0) {
            run("bash", [path.join(PROJECT_ROOT, "scripts", "tools", "build.sh")], env, PROJECT_ROOT);
        }
        return run("bash", [path.join(PROJECT_ROOT, "scripts", "cluster.sh"), "start"], env, PROJECT_ROOT).trim().split("\n").at(-1)!;
    } catch (error) {
        throw new Error(`could not start the local cluster:\n${(error as { stderr?: string }).stderr ?? error}`);
    }
}

export function kubectl(context: Context, args: readonly string[]): string {
    return run("kubectl", ["--kubeconfig", context.kubeconfig, ...args], context.env, PROJECT_ROOT);
}
