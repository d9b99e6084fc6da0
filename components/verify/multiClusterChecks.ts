/**
 * The multi-cluster checks of `npm run verify`, as pure functions of what was read: every peer's remote secret is
 * there and every istiod revision has synced it, the intermediates of this cluster and its peers chain to one root,
 * and the east-west gateway has an address other networks can dial. Reading is multiClusterCluster.ts's job.
 */
import { X509Certificate } from "crypto";
import { CheckResult } from "./checks";
import { certificatesIn } from "./x509";

/** A remote secret as found in the Istio namespace (label istio/multiCluster=true). */
export interface FoundRemoteSecret {
    readonly name: string;
    /** The cluster it stands for (its data key, or the networking.istio.io/cluster annotation). */
    readonly cluster: string;
}

/** One entry of istiod's /debug/clusterz (istio.io/istio pkg/cluster DebugInfo). */
export interface ClusterzEntry {
    readonly id: string;
    readonly secretName?: string;
    readonly syncStatus: string;
}

/** What one istiod revision answered on /debug/clusterz, or why it could not be read. */
export type ClusterzReading = { readonly revision: string; readonly clusters: readonly ClusterzEntry[] } | { readonly revision: string; readonly error: string };

/** Istio's status of a remote cluster whose informers have synced. */
export const SYNCED = "synced";

/** Each configured peer: its remote secret exists, and every istiod revision lists it as synced. */
export function remoteSecretsSynced(peers: readonly string[], secrets: readonly FoundRemoteSecret[], readings: readonly ClusterzReading[]): CheckResult[] {
    const results: CheckResult[] = [];
    for (const peer of peers) {
        const check = `cluster ${peer} is read by istiod`;
        const secret = secrets.find((found) => found.cluster === peer);
        if (secret === undefined) {
            results.push({ check, status: "fail", detail: `no remote secret for ${peer} (label istio/multiCluster=true): run an up of this stack` });
            continue;
        }
        const problems: string[] = [];
        for (const reading of readings) {
            if ("error" in reading) {
                problems.push(`istiod ${reading.revision}'s /debug/clusterz cannot be read: ${reading.error}`);
                continue;
            }
            const entry = reading.clusters.find((cluster) => cluster.id === peer);
            if (entry === undefined) {
                const known = reading.clusters.map((cluster) => cluster.id).join(", ");
                problems.push(`istiod ${reading.revision} does not list it (it lists: ${known === "" ? "nothing" : known})`);
            } else if (entry.syncStatus !== SYNCED) {
                problems.push(`istiod ${reading.revision}: ${entry.syncStatus} (the peer's API server or its reader token is not usable from here?)`);
            }
        }
        results.push(
            problems.length === 0
                ? { check, status: "ok", detail: `synced by ${readings.map((reading) => reading.revision).join(", ")} (secret ${secret.name})` }
                : { check, status: "fail", detail: problems.join("; ") },
        );
    }
    for (const secret of secrets.filter((found) => !peers.includes(found.cluster))) {
        results.push({
            check: `remote secret ${secret.name}`,
            status: "warn",
            detail: `istiod reads cluster ${secret.cluster}, which multiCluster.peers does not list (applied by hand?)`,
        });
    }
    return results;
}

/** A cluster's CA as read from its cacerts Secret, or why it could not be read. */
export type ClusterCa = { readonly cluster: string; readonly caCertPem: string; readonly rootCertPem: string } | { readonly cluster: string; readonly error: string };

function subject(certificate: X509Certificate): string {
    return certificate.subject.replace(/\n/g, ", ");
}

/** The root of `rootCertPem` that signed `caCertPem`'s intermediate, if any. */
function signerOf(ca: { caCertPem: string; rootCertPem: string }): { intermediate?: X509Certificate; root?: X509Certificate } {
    const [intermediate] = certificatesIn(ca.caCertPem);
    const root = certificatesIn(ca.rootCertPem).find((candidate) => intermediate !== undefined && intermediate.checkIssued(candidate) && intermediate.verify(candidate.publicKey));
    return { intermediate, root };
}

/**
 * This cluster's intermediate and every peer's are signed by one root, which every cluster trusts: mutual TLS across
 * the clusters verifies. `local` first, then the peers.
 */
export function sharedRoot(local: ClusterCa, peers: readonly ClusterCa[]): CheckResult {
    const all = [local, ...peers];
    const check = `the intermediates of ${all.map((ca) => ca.cluster).join(", ")} chain to one root`;
    if ("error" in local) {
        return { check, status: "fail", detail: `${local.cluster}: ${local.error}` };
    }
    const { root } = signerOf(local);
    if (root === undefined) {
        return { check, status: "fail", detail: `${local.cluster}: no root of its root-cert.pem signed its intermediate` };
    }
    const problems: string[] = [];
    for (const peer of peers) {
        if ("error" in peer) {
            problems.push(`${peer.cluster}: ${peer.error}`);
            continue;
        }
        const [intermediate] = certificatesIn(peer.caCertPem);
        if (intermediate === undefined || !(intermediate.checkIssued(root) && intermediate.verify(root.publicKey))) {
            problems.push(`${peer.cluster}'s intermediate is issued by ${intermediate === undefined ? "nothing" : intermediate.issuer.replace(/\n/g, ", ")}, not by ${subject(root)}`);
            continue;
        }
        if (!certificatesIn(peer.rootCertPem).some((candidate) => candidate.fingerprint256 === root.fingerprint256)) {
            problems.push(`${peer.cluster} does not trust the root (its root-cert.pem lacks ${subject(root)})`);
        }
    }
    return problems.length === 0
        ? { check, status: "ok", detail: `${subject(root)} (SHA-256 ${root.fingerprint256})` }
        : { check, status: "fail", detail: problems.join("; ") };
}

/** The east-west gateway's Service as read, or undefined when it is absent. */
export interface GatewayService {
    readonly type: string;
    readonly loadBalancerAddresses: readonly string[];
    readonly externalIPs: readonly string[];
}

/** The address other networks dial: the load balancer's, or an external IP; none is a failure that says why. */
export function eastWestGatewayAddress(serviceName: string, service: GatewayService | undefined): CheckResult {
    const check = `the east-west gateway ${serviceName} has an address`;
    if (service === undefined) {
        return { check, status: "fail", detail: `no Service ${serviceName}: run an up of this stack` };
    }
    const address = service.loadBalancerAddresses[0] ?? service.externalIPs[0];
    if (address !== undefined) {
        return { check, status: "ok", detail: address };
    }
    const why =
        service.type === "LoadBalancer"
            ? "no load balancer has assigned one (a cluster without a load balancer implementation, such as the local cluster, never does)"
            : `a ${service.type} Service has no address outside the cluster (set multiCluster.eastWestGateway.serviceType to LoadBalancer, or give it externalIPs)`;
    return { check, status: "fail", detail: `none: ${why}; workloads on other networks cannot reach this cluster's services` };
}
