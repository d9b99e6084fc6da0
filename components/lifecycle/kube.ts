/**
 * kubectl against the stack's cluster (mesh.cluster: a kubeconfig path or its contents, and a context; the current
 * kube context when both are empty), for what the kubernetes provider cannot do: server-side dry runs that prove a
 * webhook answers, and listing the pods that run a revision's proxies.
 */
import { execFile, execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export interface KubeAccess {
    /** A kubeconfig path or its contents; undefined: KUBECONFIG or ~/.kube/config. */
    readonly kubeconfig?: string;
    readonly context?: string;
}

/**
 * True when kubectl has a cluster to talk to: a configured kubeconfig (contents, or a path that exists), KUBECONFIG
 * naming a file that exists, ~/.kube/config, or a pod's in-cluster credentials. Without any, there is no cluster to
 * read (and nothing is called).
 */
export function hasCluster(access: KubeAccess, env: NodeJS.ProcessEnv = process.env, home: string = os.homedir()): boolean {
    const kubeconfig = access.kubeconfig;
    if (kubeconfig !== undefined && kubeconfig !== "") {
        return isKubeconfigContents(kubeconfig) || fs.existsSync(kubeconfig);
    }
    const listed = (env.KUBECONFIG ?? "").split(path.delimiter).filter((file) => file !== "");
    return listed.some((file) => fs.existsSync(file)) || env.KUBERNETES_SERVICE_HOST !== undefined || fs.existsSync(path.join(home, ".kube", "config"));
}

/** True when the value is a kubeconfig's contents rather than a path (what the kubernetes provider accepts too). */
export function isKubeconfigContents(value: string): boolean {
    return value.includes("\n") || /^\s*[{]/.test(value) || /^\s*apiVersion:/.test(value);
}

/** The outcome of one kubectl call: its output, or kubectl's error text (stderr). */
export type KubectlResult = { readonly ok: true; readonly stdout: string } | { readonly ok: false; readonly error: string };

export type Kubectl = (args: readonly string[], input?: string) => Promise<KubectlResult>;

/** kubectl's flags for the access; contents are written to a private temporary file, removed by `close`. */
export function kubectlFlags(access: KubeAccess): { readonly flags: string[]; readonly close: () => void } {
    let file: string | undefined;
    let directory: string | undefined;
    if (access.kubeconfig !== undefined && access.kubeconfig !== "" && isKubeconfigContents(access.kubeconfig)) {
        directory = fs.mkdtempSync(path.join(os.tmpdir(), "mesh-kubeconfig-"));
        file = path.join(directory, "kubeconfig");
        fs.writeFileSync(file, access.kubeconfig, { mode: 0o600 });
    } else if (access.kubeconfig !== undefined && access.kubeconfig !== "") {
        file = access.kubeconfig;
    }
    const flags = [...(file !== undefined ? ["--kubeconfig", file] : []), ...(access.context ? ["--context", access.context] : [])];
    const close = () => {
        if (directory !== undefined) {
            fs.rmSync(directory, { recursive: true, force: true });
        }
    };
    return { flags, close };
}

function errorText(error: Error, stderr: string): string {
    return (error as NodeJS.ErrnoException).code === "ENOENT" ? "kubectl is not on PATH (it is needed to check the cluster)" : stderr.trim() || error.message;
}

// Generous: a loaded API server answers slowly, and a webhook call may itself wait for its own timeout.
const KUBECTL_TIMEOUT_MS = 120_000;

/** An asynchronous kubectl runner for the access; `close` removes its temporary kubeconfig. */
export function kubectlFor(access: KubeAccess): { readonly run: Kubectl; readonly close: () => void } {
    const { flags, close } = kubectlFlags(access);
    const run: Kubectl = (args, input) =>
        new Promise((resolve) => {
            const child = execFile("kubectl", [...flags, ...args], { encoding: "utf8", timeout: KUBECTL_TIMEOUT_MS, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) =>
                resolve(error ? { ok: false, error: errorText(error, stderr) } : { ok: true, stdout }),
            );
            child.stdin?.end(input ?? "");
        });
    return { run, close };
}

/** One synchronous kubectl call (for the program, before any resource is registered); throws with kubectl's error. */
export function kubectlSync(access: KubeAccess, args: readonly string[]): string {
    const { flags, close } = kubectlFlags(access);
    try {
        return execFileSync("kubectl", [...flags, ...args], { encoding: "utf8", stdio: ["pipe", "pipe", "pipe"], timeout: KUBECTL_TIMEOUT_MS, maxBuffer: 256 * 1024 * 1024 });
    } catch (error) {
        throw new Error(errorText(error as Error, String((error as { stderr?: string }).stderr ?? "")));
    } finally {
        close();
    }
}
