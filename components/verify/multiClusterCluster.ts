/**
 * Reads what the multi-cluster checks judge (multiClusterChecks.ts): the remote secrets of the Istio namespace, each
 * istiod revision's /debug/clusterz, this cluster's and every peer's cacerts (a peer's through its remote secret, as
 * the peer's reader: Istio's reader ClusterRole may read Secrets), and the east-west gateway's Service.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { MeshSettings } from "../config/settings";
import { MULTI_CLUSTER_SECRET_LABEL } from "../multicluster/kubeconfig";
import { CheckResult } from "./checks";
import { find, kubectl, kubectlError, KubeObject } from "./kubectl";
import { ClusterCa, ClusterzEntry, ClusterzReading, eastWestGatewayAddress, FoundRemoteSecret, remoteSecretsSynced, sharedRoot } from "./multiClusterChecks";

/**
 * Answers a GET of istiod's debug endpoint (e.g. `/debug/clusterz`) for a revision. The default asks istiod in its
 * pod (`pilot-discovery request`, through kubectl exec); a local istiod is read on its own port.
 */
export type IstiodDebugReader = (revision: string, debugPath: string) => string;

/** istiod's debug answer from inside its pod: istiod serves its debug endpoints unauthenticated to localhost only. */
export const execIstiodDebug =
    (namespace: string): IstiodDebugReader =>
    (revision, debugPath) =>
        kubectl(["exec", "-n", namespace, `deployment/istiod-${revision}`, "-c", "discovery", "--", "pilot-discovery", "request", "GET", debugPath]);

/** True when the settings make this cluster part of a multi-cluster mesh (what the checks below apply to). */
export function isMultiCluster(settings: Pick<MeshSettings, "multiCluster">): boolean {
    const multiCluster = settings.multiCluster;
    return multiCluster.peers.length > 0 || multiCluster.eastWestGateway !== undefined;
}

interface SecretObject extends KubeObject {
    readonly metadata: KubeObject["metadata"] & { annotations?: Record<string, string> };
    readonly data?: Record<string, string>;
}

function decoded(value: string | undefined): string {
    return Buffer.from(value ?? "", "base64").toString("utf8");
}

function remoteSecrets(namespace: string): SecretObject[] {
    return (JSON.parse(kubectl(["get", "secrets", "-n", namespace, "-l", `${MULTI_CLUSTER_SECRET_LABEL}=true`, "-o", "json"])) as { items: SecretObject[] }).items;
}

function clusterOf(secret: SecretObject): string {
    return secret.metadata.annotations?.["networking.istio.io/cluster"] ?? Object.keys(secret.data ?? {})[0] ?? secret.metadata.name;
}

function readClusterz(revision: string, read: IstiodDebugReader): ClusterzReading {
    try {
        const text = read(revision, "/debug/clusterz");
        const parsed = JSON.parse(text.slice(text.indexOf("["))) as ClusterzEntry[];
        return { revision, clusters: parsed };
    } catch (error) {
        return { revision, error: kubectlError(error).trim().split("\n")[0] };
    }
}

function cacertsOf(cluster: string, namespace: string, kubeconfigArgs: readonly string[]): ClusterCa {
    try {
        const secret = JSON.parse(kubectl([...kubeconfigArgs, "get", "secret", "cacerts", "-n", namespace, "-o", "json"])) as SecretObject;
        return { cluster, caCertPem: decoded(secret.data?.["ca-cert.pem"]), rootCertPem: decoded(secret.data?.["root-cert.pem"]) };
    } catch (error) {
        return { cluster, error: `its cacerts cannot be read: ${kubectlError(error).trim().split("\n")[0]}` };
    }
}

/** A peer's cacerts, read with the kubeconfig of its remote secret (written to a private temporary file, then removed). */
function peerCacerts(cluster: string, namespace: string, kubeconfig: string | undefined): ClusterCa {
    if (kubeconfig === undefined) {
        return { cluster, error: "no remote secret to read it with" };
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mesh-verify-"));
    const file = path.join(dir, "kubeconfig");
    try {
        fs.writeFileSync(file, kubeconfig, { mode: 0o600 });
        return cacertsOf(cluster, namespace, ["--kubeconfig", file]);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

interface ServiceObject extends KubeObject {
    readonly spec: { type?: string; externalIPs?: string[] };
    readonly status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

/** The multi-cluster checks of a cluster in a multi-cluster mesh; none for a single cluster. */
export function verifyMultiCluster(settings: MeshSettings, readDebug: IstiodDebugReader): CheckResult[] {
    if (!isMultiCluster(settings)) {
        return [];
    }
    const { multiCluster, namespace } = settings;
    const results: CheckResult[] = [];
    const peers = multiCluster.peers.map((peer) => peer.name);
    const secrets = remoteSecrets(namespace);
    const found: FoundRemoteSecret[] = secrets.map((secret) => ({ name: `${namespace}/${secret.metadata.name}`, cluster: clusterOf(secret) }));
    if (peers.length > 0 || found.length > 0) {
        const readings = settings.istio.revisions.map((revision) => readClusterz(revision.name, readDebug));
        results.push(...remoteSecretsSynced(peers, found, readings));
    }
    if (settings.pki.enabled && peers.length > 0) {
        const local = cacertsOf(multiCluster.clusterName ?? "this cluster", namespace, []);
        const peerCas = peers.map((peer) => {
            const secret = secrets.find((candidate) => clusterOf(candidate) === peer);
            return peerCacerts(peer, namespace, secret === undefined ? undefined : decoded(secret.data?.[peer]));
        });
        results.push(sharedRoot(local, peerCas));
    }
    const gateway = multiCluster.eastWestGateway;
    if (gateway !== undefined) {
        const service = find("service", gateway.name, gateway.namespace) as ServiceObject | undefined;
        results.push(
            eastWestGatewayAddress(
                `${gateway.namespace}/${gateway.name}`,
                service === undefined
                    ? undefined
                    : {
                          type: service.spec.type ?? "ClusterIP",
                          loadBalancerAddresses: (service.status?.loadBalancer?.ingress ?? []).map((ingress) => ingress.ip ?? ingress.hostname ?? "").filter((address) => address !== ""),
                          externalIPs: service.spec.externalIPs ?? [],
                      },
            ),
        );
    }
    return results;
}
