/**
 * The real istiod of scripts/istiod.sh for a suite: which release is built, why a suite must skip, start and stop.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "./workspace";

const BIN = path.join(PROJECT_ROOT, ".local", "bin");
const ISTIOD_SCRIPT = path.join(PROJECT_ROOT, "scripts", "istiod.sh");

/** The release scripts/tools/istio.sh built (what `istioctl version` reports), undefined when nothing is built. */
export function builtIstioVersion(): string | undefined {
    if (!fs.existsSync(path.join(BIN, "pilot-discovery")) || !fs.existsSync(path.join(BIN, "istioctl"))) {
        return undefined;
    }
    const output = execFileSync(path.join(BIN, "istioctl"), ["version", "--remote=false", "-o", "json"], { encoding: "utf8" });
    return (JSON.parse(output) as { clientVersion: { version: string } }).clientVersion.version;
}

/** The loopback address of a running local istiod's port (8080: its HTTP and debug endpoints), from scripts/istiod.sh's state. */
export function istiodAddress(revision: string, port: number, cluster?: string): string {
    const name = cluster ?? process.env.MESH_CLUSTER;
    const ports = fs.readFileSync(path.join(PROJECT_ROOT, ".local", `istiod${name ? `-${name}` : ""}`, revision, "ports"), "utf8");
    const line = ports.split("\n").find((entry) => entry.startsWith(`${port}=`));
    if (line === undefined) {
        throw new Error(`istiod ${revision} has no port ${port} in its state`);
    }
    return line.slice(`${port}=`.length);
}

/** Why a suite that runs istiod for `version` cannot run here; undefined when it can. */
export function istiodSkipReason(version: string, built: string | undefined): string | undefined {
    if (built === undefined) {
        return "istiod is not built (.local/bin/pilot-discovery, istioctl): run scripts/tools/istio.sh";
    }
    if (built !== version) {
        return `istiod is built for ${built}, the suite asks for ${version}: run ISTIO_VERSION=${version} scripts/tools/istio.sh`;
    }
    if (!fs.existsSync(path.join(BIN, "clusternet"))) {
        return "the cluster network is not built (.local/bin/clusternet): run scripts/tools/kube.sh";
    }
    return undefined;
}

/**
 * scripts/istiod.sh start|stop for one revision; null: every istiod it started (`stop` only). `cluster`: the local
 * cluster of another name (MESH_CLUSTER of scripts/cluster.sh); default: the environment's.
 */
export function istiod(command: "start" | "stop", revision: string | null, cluster?: string): string {
    const args = [ISTIOD_SCRIPT, command, ...(revision === null ? [] : [revision])];
    const env = cluster === undefined ? process.env : { ...process.env, MESH_CLUSTER: cluster };
    try {
        return execFileSync("bash", args, { encoding: "utf8", env, stdio: ["ignore", "pipe", "pipe"], timeout: 5 * 60_000 });
    } catch (error) {
        throw new Error(`istiod.sh ${command} ${revision ?? ""}${cluster === undefined ? "" : ` (cluster ${cluster})`} failed:\n${(error as { stderr?: string }).stderr ?? error}`);
    }
}
