/**
 * The mesh stack: reads and validates the stack configuration, then installs the mesh it describes. A stack whose
 * configuration is `ca` instead of `mesh` is the mesh's CA stack: it holds the roots and issues one intermediate per
 * listed cluster, and touches no cluster (README: one root for several clusters).
 * An invalid configuration throws here, before any resource is registered.
 *
 * It uses only the package's public entry (components/index.ts, published as `pulumi-istio-mesh`): anything it does,
 * a program of your own can do.
 */
import * as pulumi from "@pulumi/pulumi";
import {
    CLUSTER_INTERMEDIATE_KEYS_OUTPUT,
    CLUSTER_INTERMEDIATES_OUTPUT,
    installReadableErrors,
    installUnmappedBookkeepingTraces,
    isCaStack,
    loadMeshArgs,
    loadMeshCaArgs,
    Mesh,
    MeshCa,
} from "./components";

// A failed run prints its cause and fix, not a stack trace.
installReadableErrors();
// The SDK's bookkeeping traces are not mapped through the source maps (components/program/bookkeepingTraces.ts).
installUnmappedBookkeepingTraces();

/** The CA stack's outputs: certificates are public; the intermediates' keys are one secret output; no root key. */
function caStack(): Record<string, unknown> {
    const ca = new MeshCa("ca", loadMeshCaArgs());
    return {
        /** The root that signs every cluster's intermediate. */
        rootCertificatePem: ca.rootCertificatePem,
        /** Every trusted root. */
        trustedRootsPem: ca.trustedRootsPem,
        /** The clusters it issues intermediates for. */
        clusters: ca.settings.clusters.map((cluster) => cluster.name),
        /** Cluster name -> intermediate certificate, chain, roots, Istio namespace, expiry. */
        [CLUSTER_INTERMEDIATES_OUTPUT]: ca.clusterIntermediates,
        /** Cluster name -> the intermediate's private key (a secret). */
        [CLUSTER_INTERMEDIATE_KEYS_OUTPUT]: ca.clusterIntermediateKeys,
    };
}

function meshStack(): Record<string, unknown> {
    const mesh = new Mesh("mesh", loadMeshArgs());
    const { settings } = mesh;
    const ca = mesh.certificateAuthority;
    return {
        istioVersion: mesh.version,
        /** The default tag's revision. */
        revision: mesh.revision,
        /** Revision -> Istio version. */
        revisions: Object.fromEntries(settings.istio.revisions.map((entry) => [entry.name, entry.version.text])),
        /** Revision tag -> revision. */
        tags: settings.istio.tags,
        istioNamespace: mesh.namespace,
        trustDomain: mesh.trustDomain,
        mtlsMode: settings.mtls.mode,
        interceptionMode: settings.interception.mode,
        /** sidecar or ambient. */
        dataPlane: settings.dataPlane.mode,
        /** The Gateway API CRDs' bundle version the stack applies, or "external"; absent when unused. */
        ...(mesh.gatewayApi !== undefined ? { gatewayApi: mesh.gatewayApi } : {}),
        /** Namespace -> the label that enrolls it, its tag and the revision that injects it. */
        enrollment: mesh.enrollment,
        /** Gateway -> its Service and external address. */
        gateways: mesh.gateways,
        /** The peers this cluster's istiod reads (a remote secret each). */
        remoteClusters: mesh.remoteClusters,
        ...(settings.multiCluster.clusterName !== undefined ? { clusterName: settings.multiCluster.clusterName } : {}),
        /** For the peers' stacks (multiCluster.peers[].stack): how their istiod read this cluster. A secret. */
        ...(mesh.readerKubeconfig !== undefined ? { readerKubeconfig: pulumi.secret(mesh.readerKubeconfig) } : {}),
        /** The network gateway's Service and load balancer address. */
        ...(mesh.eastWestGateway !== undefined ? { eastWestGateway: mesh.eastWestGateway } : {}),
        ...(ca === undefined
            ? {}
            : {
                  /** The public root certificate that signs this cluster's intermediate; other clusters trust it. */
                  rootCertificatePem: ca.rootCertificatePem,
                  /** Every trusted root (root-cert.pem of istiod). */
                  trustedRootsPem: ca.trustedRootsPem,
                  intermediateExpiresAt: ca.intermediateExpiresAt,
                  // The root's private key, a secret, only with pki.exportRootKey: for clusters that share this root.
                  ...(settings.pki.exportRootKey && ca.rootPrivateKeyPem !== undefined ? { rootPrivateKeyPem: pulumi.secret(ca.rootPrivateKeyPem) } : {}),
              }),
    };
}

/** The stack outputs. */
export = isCaStack() ? caStack() : meshStack();
