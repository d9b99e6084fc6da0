/**
 * The real istiod of scripts/istiod.sh for a suite: which release is built, why a suite must skip, start and stop,
 * an up during which istiod starts, and the teardown of a stack that istiod served.
 */
import * as automation from "@pulumi/pulumi/automation";
import { execFile, execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { CHARTS_DIRECTORY_ENV } from "../../components/config/load";
import { deleteIstioCrds, E2eWorkspace, PROJECT_ROOT } from "./workspace";

const BIN = path.join(PROJECT_ROOT, ".local", "bin");
const ISTIOD_SCRIPT = path.join(PROJECT_ROOT, "scripts", "istiod.sh");
/** What scripts/tools/istio.sh builds that every istiod suite runs. */
const ISTIOD_BINARIES = ["pilot-discovery", "istioctl"];

/**
 * The release scripts/tools/istio.sh built (what `istioctl version` reports), undefined when one of `binaries` is not
 * built.
 */
export function builtIstioVersion(binaries: readonly string[] = ISTIOD_BINARIES): string | undefined {
    if (!binaries.every((binary) => fs.existsSync(path.join(BIN, binary)))) {
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
export function istiodSkipReason(version: string, built: string | undefined, binaries: readonly string[] = ISTIOD_BINARIES): string | undefined {
    if (built === undefined) {
        return `Istio is not built (.local/bin/${binaries.join(", ")}): run scripts/tools/istio.sh`;
    }
    if (built !== version) {
        return `istiod is built for ${built}, the suite asks for ${version}: run ISTIO_VERSION=${version} scripts/tools/istio.sh`;
    }
    if (!fs.existsSync(path.join(BIN, "clusternet"))) {
        return "the cluster network is not built (.local/bin/clusternet): run scripts/tools/kube.sh";
    }
    return undefined;
}

/** A suite on the local istiod: the release it installs, its revision, and why it skips (undefined: it runs). */
export interface LocalIstiodSuite {
    readonly version: string;
    readonly revision: string;
    readonly skipReason?: string;
}

/**
 * What a suite on the local istiod needs: Istio's charts, the cluster, the binaries built for the release it installs
 * (the built one, or ISTIO_E2E_VERSION, which must be the same: the injector templates come from the charts and
 * istiod renders them), and what `more` adds (undefined when met). Says on the console why it skips.
 */
export function localIstiodSuite(name: string, options: { binaries?: readonly string[]; more?: () => string | undefined } = {}): LocalIstiodSuite {
    const binaries = options.binaries ?? ISTIOD_BINARIES;
    const built = builtIstioVersion(binaries);
    const version = process.env.ISTIO_E2E_VERSION ?? built ?? "";
    const chartsDirectory = process.env[CHARTS_DIRECTORY_ENV];
    const skipReason = !chartsDirectory
        ? `${CHARTS_DIRECTORY_ENV} is not set (Istio's charts are not reachable from here; point it at a local copy)`
        : !process.env.KUBECONFIG
          ? "KUBECONFIG is not set"
          : (istiodSkipReason(version, built, binaries) ??
            (chartsDirectory.includes("{version}") && !fs.existsSync(chartsDirectory.replace("{version}", version))
                ? `no charts for ${version} in ${chartsDirectory}`
                : options.more?.()));
    if (skipReason !== undefined) {
        console.log(`${name} skipped: ${skipReason}`);
    }
    return { version, revision: version.replace(/[^a-z0-9]+/g, "-"), ...(skipReason !== undefined ? { skipReason } : {}) };
}

/**
 * scripts/istiod.sh start|stop for one revision (start: the only istiod Deployment when undefined); null: every
 * istiod it started (`stop` only). `cluster`: the local cluster of another name (MESH_CLUSTER of scripts/cluster.sh);
 * default: the environment's.
 */
export function istiod(command: "start" | "stop", revision: string | null | undefined, cluster?: string): string {
    const args = [ISTIOD_SCRIPT, command, ...(revision === null || revision === undefined ? [] : [revision])];
    const env = cluster === undefined ? process.env : { ...process.env, MESH_CLUSTER: cluster };
    try {
        return execFileSync("bash", args, { encoding: "utf8", env, stdio: ["ignore", "pipe", "pipe"], timeout: 5 * 60_000 });
    } catch (error) {
        throw new Error(`istiod.sh ${command} ${revision ?? ""}${cluster === undefined ? "" : ` (cluster ${cluster})`} failed:\n${(error as { stderr?: string }).stderr ?? error}`);
    }
}

/**
 * An up of a stack whose istiod does not run yet: once the up reaches the readiness gate (`gate`, the Mesh's
 * `<name>-ready`; everything of istiod's charts is applied by then), istiod starts, and the gate waits until it
 * serves. Returns the up's result; an up that fails before the gate fails with its own error.
 */
export async function upWhileIstiodStarts(workspace: E2eWorkspace, revision: string, gate = "mesh-ready"): Promise<automation.UpResult> {
    let reachedGate = (): void => undefined;
    const atGate = new Promise<"gate">((resolve) => {
        reachedGate = () => resolve("gate");
    });
    const up = workspace.up({
        onTimeline: (entry) => {
            if (entry.phase === "start" && entry.name === gate) {
                reachedGate();
            }
        },
    });
    // Should istiod fail to start, its error is the one reported; the up then ends on its own.
    up.catch(() => undefined);
    const first = await Promise.race([atGate, up.then(() => "up" as const, () => "up" as const)]);
    if (first === "gate") {
        console.log(`the up waits at ${gate}: starting istiod ${revision}`);
        // Asynchronously: the up's events keep flowing meanwhile.
        const { stderr } = await promisify(execFile)("bash", [ISTIOD_SCRIPT, "start", revision], { encoding: "utf8", timeout: 5 * 60_000 }).catch(
            (error: { stderr?: string }) => {
                throw new Error(`istiod.sh start ${revision} failed:\n${error.stderr ?? error}`);
            },
        );
        console.log(stderr.trim());
    }
    return (await up).result;
}

/**
 * A suite's teardown when istiod served the stack: destroy first (with validation failing closed, Istio resources are
 * deleted only while istiod answers: the garbage collector's finalizer update is validated), then stop every istiod,
 * remove the stack and its folder, then Istio's CRDs. Never throws.
 */
export async function discardServedStack(workspace: E2eWorkspace): Promise<void> {
    await workspace.destroy().catch((error) => console.log(`destroy failed: ${error}`));
    try {
        istiod("stop", null);
    } catch (error) {
        console.log(String(error));
    }
    await workspace.remove().catch(() => undefined);
    deleteIstioCrds();
}
