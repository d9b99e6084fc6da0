/**
 * A mesh workload outside a pod, for the local cluster where no container runs: Istio's agent (pilot-agent) as a
 * process, with what the grpc-agent injection template gives it in a pod, and beside it the project's proxyless gRPC
 * program (test/workloads/xdsprobe), which takes its configuration from istiod through the agent.
 *
 * What the pod would have, the workload's folder has at the same relative paths (the agent resolves its well-known
 * paths against its working directory, as istiod does):
 *   var/run/secrets/tokens/istio-token    a ServiceAccount token from the API server's TokenRequest API, for the
 *                                         audience istio-ca, as the projected volume istio-token carries it
 *   var/run/secrets/istio/root-cert.pem   the namespace's istio-ca-root-cert ConfigMap (istiod's trust anchor)
 *   var/lib/istio/data/                   OUTPUT_CERTS: the workload certificate, its key and the roots, as the agent
 *                                         writes them for the gRPC program
 *   etc/istio/proxy/                      the agent's xDS socket and the gRPC bootstrap it writes (GRPC_XDS_BOOTSTRAP;
 *                                         named by its absolute path, as the bootstrap refers to it)
 * The agent reaches istiod at the loopback port scripts/istiod.sh gave its port 15012, and checks istiod's
 * certificate against the name a pod would dial (ISTIOD_SAN istiod-<revision>.<namespace>.svc).
 */
import { ChildProcess, execFile, spawn } from "child_process";
import { X509Certificate } from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { certificatesIn } from "../../components/verify/x509";
import { getJson, kubectl, KubeObject } from "../../components/verify/kubectl";
import { PROJECT_ROOT } from "./workspace";

export const BIN = path.join(PROJECT_ROOT, ".local", "bin");

export interface WorkloadSpec {
    /** The workload's name: its pod name, its WorkloadEntry and the app label. */
    readonly name: string;
    readonly namespace: string;
    readonly serviceAccount: string;
    /** The workload's address (a loopback address here), as status.podIP would be. */
    readonly ip: string;
    readonly trustDomain: string;
    /** The istiod revision that serves the namespace. */
    readonly revision: string;
    /** Where istiod's secure xDS and CA port (15012) listens. */
    readonly istiodAddress: string;
    readonly istioNamespace?: string;
    /** ISTIO_META_CLUSTER_ID: the cluster istiod calls itself (multiCluster.clusterName). */
    readonly clusterId?: string;
    /** The folder that stands for the pod's file system. */
    readonly dir: string;
}

/** What xdsprobe's Who method answers, and what `xdsprobe call` prints. */
export interface Answer {
    readonly server?: string;
    /** The caller's SPIFFE ID as the server saw it ("" without mTLS). */
    readonly peer: string;
    readonly security: string;
    /** The SPIFFE ID of the server's certificate, as the client saw it. */
    readonly serverIdentity?: string;
    readonly error?: string;
    readonly code?: string;
}

/** A port nobody listens on now (the kernel's choice). */
export function freePort(host = "127.0.0.1"): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, host, () => {
            const port = (server.address() as net.AddressInfo).port;
            server.close(() => resolve(port));
        });
    });
}

/** Where scripts/istiod.sh put a revision's port: "127.0.0.1:<port>". */
export function istiodPort(revision: string, podPort: number): string {
    const cluster = process.env.MESH_CLUSTER;
    const file = path.join(PROJECT_ROOT, ".local", `istiod${cluster ? `-${cluster}` : ""}`, revision, "ports");
    const line = fs
        .readFileSync(file, "utf8")
        .split("\n")
        .find((entry) => entry.startsWith(`${podPort}=`));
    if (line === undefined) {
        throw new Error(`no port ${podPort} in ${file}`);
    }
    return line.slice(`${podPort}=`.length);
}

function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A process in its own process group, its output appended to `log`. */
function launch(command: string, args: readonly string[], options: { cwd: string; env: Record<string, string>; log: string }): ChildProcess {
    const out = fs.openSync(options.log, "a");
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ["ignore", out, out] });
    fs.closeSync(out);
    child.unref();
    return child;
}

async function stopProcess(child: ChildProcess | undefined): Promise<void> {
    if (child?.pid === undefined || child.exitCode !== null || child.signalCode !== null) {
        return;
    }
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    try {
        process.kill(-child.pid, "SIGTERM");
    } catch {
        return;
    }
    // The agent drains (its termination drain duration, 5s by default) before it exits.
    const killed = sleep(30_000).then(() => {
        try {
            process.kill(-child.pid!, "SIGKILL");
        } catch {
            // gone already
        }
    });
    await Promise.race([exited, killed]);
}

export class MeshWorkload {
    readonly certsDir: string;
    readonly bootstrapFile: string;
    private agent?: ChildProcess;
    private app?: ChildProcess;
    private statusPort = 0;

    constructor(readonly spec: WorkloadSpec) {
        this.certsDir = path.join(spec.dir, "var", "lib", "istio", "data");
        this.bootstrapFile = path.join(spec.dir, "etc", "istio", "proxy", "grpc-bootstrap.json");
    }

    /** The pod's environment as the grpc-agent template sets it, with this machine's paths and ports. */
    private agentEnv(): Record<string, string> {
        const spec = this.spec;
        const istioNamespace = spec.istioNamespace ?? "istio-system";
        return {
            PATH: "/usr/bin:/bin",
            HOME: spec.dir,
            POD_NAME: spec.name,
            POD_NAMESPACE: spec.namespace,
            INSTANCE_IP: spec.ip,
            HOST_IP: spec.ip,
            SERVICE_ACCOUNT: spec.serviceAccount,
            ISTIO_META_GENERATOR: "grpc",
            DISABLE_ENVOY: "true",
            ISTIO_META_DNS_CAPTURE: "false",
            OUTPUT_CERTS: this.certsDir,
            GRPC_XDS_BOOTSTRAP: this.bootstrapFile,
            PILOT_CERT_PROVIDER: "istiod",
            ISTIOD_SAN: `istiod-${spec.revision}.${istioNamespace}.svc`,
            // configPath absolute: the gRPC bootstrap names the agent's xDS socket unix:///<configPath>/XDS, which
            // a relative path would turn into /etc/istio/proxy/XDS.
            PROXY_CONFIG: JSON.stringify({
                discoveryAddress: spec.istiodAddress,
                statusPort: this.statusPort,
                configPath: path.join(spec.dir, "etc", "istio", "proxy"),
            }),
            ISTIO_META_CLUSTER_ID: spec.clusterId ?? "Kubernetes",
            ISTIO_META_MESH_ID: spec.trustDomain,
            TRUST_DOMAIN: spec.trustDomain,
            ISTIO_META_WORKLOAD_NAME: spec.name,
            ISTIO_METAJSON_LABELS: JSON.stringify({ app: spec.name }),
            // No cloud: the agent would otherwise probe the GCP, AWS and Azure metadata servers for 5s.
            CLOUD_PLATFORM: "none",
        };
    }

    /** The environment of the gRPC program: the grpc-agent template's, for the app container. */
    private appEnv(): Record<string, string> {
        return {
            PATH: "/usr/bin:/bin",
            HOME: this.spec.dir,
            GRPC_XDS_BOOTSTRAP: this.bootstrapFile,
            GRPC_XDS_EXPERIMENTAL_SECURITY_SUPPORT: "true",
        };
    }

    /** Writes the token and the root the pod would have mounted. */
    private prepare(): void {
        const { dir, namespace, serviceAccount } = this.spec;
        fs.mkdirSync(path.join(dir, "var", "run", "secrets", "tokens"), { recursive: true });
        fs.mkdirSync(path.join(dir, "var", "run", "secrets", "istio"), { recursive: true });
        fs.mkdirSync(path.join(dir, "etc", "istio", "proxy"), { recursive: true });
        fs.mkdirSync(this.certsDir, { recursive: true });
        // The projected token of the grpc-agent template: audience istio-ca (global.sds.token.aud).
        const token = kubectl(["create", "token", serviceAccount, "-n", namespace, "--audience", "istio-ca", "--duration", "1h"]).trim();
        fs.writeFileSync(path.join(dir, "var", "run", "secrets", "tokens", "istio-token"), token, { mode: 0o600 });
        const rootConfigMap = getJson(["configmap", "istio-ca-root-cert", "-n", namespace]) as KubeObject & { data: Record<string, string> };
        fs.writeFileSync(path.join(dir, "var", "run", "secrets", "istio", "root-cert.pem"), rootConfigMap.data["root-cert.pem"]);
    }

    /** Starts the agent and waits until it is ready: its certificate written, its gRPC bootstrap written. */
    async startAgent(timeoutSeconds = 120): Promise<void> {
        this.prepare();
        this.statusPort = await freePort();
        const args = ["proxy", "sidecar", "--domain", `${this.spec.namespace}.svc.cluster.local`, "--log_output_level=default:info"];
        this.agent = launch(path.join(BIN, "pilot-agent"), args, { cwd: this.spec.dir, env: this.agentEnv(), log: path.join(this.spec.dir, "agent.log") });
        const deadline = Date.now() + timeoutSeconds * 1000;
        while (!(fs.existsSync(path.join(this.certsDir, "cert-chain.pem")) && fs.existsSync(this.bootstrapFile))) {
            if (this.agent.exitCode !== null) {
                throw new Error(`pilot-agent of ${this.spec.name} exited (${this.agent.exitCode}):\n${this.logTail("agent.log")}`);
            }
            if (Date.now() > deadline) {
                throw new Error(`pilot-agent of ${this.spec.name} wrote no certificate in ${timeoutSeconds}s:\n${this.logTail("agent.log")}`);
            }
            await sleep(500);
        }
    }

    /** Starts `xdsprobe serve` on the workload's address. */
    serve(port: number): void {
        this.app = launch(path.join(BIN, "xdsprobe"), ["serve", "-addr", `${this.spec.ip}:${port}`, "-name", this.spec.name], {
            cwd: this.spec.dir,
            env: this.appEnv(),
            log: path.join(this.spec.dir, "app.log"),
        });
    }

    get agentPid(): number | undefined {
        return this.agent?.exitCode === null ? this.agent.pid : undefined;
    }

    get appPid(): number | undefined {
        return this.app?.exitCode === null ? this.app.pid : undefined;
    }

    /** One call of xdsprobe from this workload (xds:///<host>:<port>, or an address with `plaintext`). */
    call(target: string, options: { plaintext?: boolean; timeoutSeconds?: number } = {}): Promise<Answer> {
        const args = ["call", "-target", target, "-timeout", `${options.timeoutSeconds ?? 20}s`, ...(options.plaintext ? ["-plaintext"] : [])];
        return new Promise((resolve, reject) => {
            execFile(path.join(BIN, "xdsprobe"), args, { cwd: this.spec.dir, env: this.appEnv(), encoding: "utf8" }, (error, stdout, stderr) => {
                const line = stdout.trim().split("\n").pop() ?? "";
                try {
                    resolve(JSON.parse(line) as Answer);
                } catch {
                    reject(new Error(`xdsprobe call ${target} printed no answer (${error?.message ?? "exit 0"}):\n${stdout}${stderr}`));
                }
            });
        });
    }

    /** The workload certificate the agent wrote, then its chain, as X.509 certificates. */
    certificateChain(): X509Certificate[] {
        return certificatesIn(fs.readFileSync(path.join(this.certsDir, "cert-chain.pem"), "utf8"));
    }

    /** The roots the agent wrote for the gRPC program. */
    roots(): X509Certificate[] {
        return certificatesIn(fs.readFileSync(path.join(this.certsDir, "root-cert.pem"), "utf8"));
    }

    logTail(file: "agent.log" | "app.log", lines = 40): string {
        const full = path.join(this.spec.dir, file);
        return fs.existsSync(full) ? fs.readFileSync(full, "utf8").split("\n").slice(-lines).join("\n") : "(no log)";
    }

    async stop(): Promise<void> {
        await stopProcess(this.app);
        await stopProcess(this.agent);
    }
}
