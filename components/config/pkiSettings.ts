/**
 * Typed PKI, multi-cluster and mutual-TLS settings, with every default and the reason for it.
 */
import { EcdsaCurve, KeyAlgorithm, MtlsMode, RootSource, RsaBits } from "./pkiSchema";
import { MeshConfigInput } from "./schema";

export type RootSettings =
    | { readonly name: string; readonly source: "generate" }
    /** Certificate and key from the secret configuration key `rootCertificates.<name>`. */
    | { readonly name: string; readonly source: "config" }
    /** Certificate and key from another stack's outputs (a shared root for several clusters). */
    | { readonly name: string; readonly source: "stack"; readonly stack: string };

export interface PkiSettings {
    /** false: no plug-in CA; istiod makes a self-signed CA of its own. */
    readonly enabled: boolean;
    readonly keyAlgorithm: KeyAlgorithm;
    readonly ecdsaCurve: EcdsaCurve;
    readonly rsaBits: RsaBits;
    /** Every trusted root; root-cert.pem holds all of them (several during a root rotation). */
    readonly roots: readonly RootSettings[];
    /** The root that signs this cluster's intermediate. */
    readonly signingRoot: string;
    readonly rootValidityDays: number;
    readonly intermediateValidityDays: number;
    readonly intermediateRenewBeforeDays: number;
    /** Export the root's private key as a secret stack output, for other clusters' stacks to sign with. */
    readonly exportRootKey: boolean;
}

/** Unset keys keep Istio's own defaults (cluster "Kubernetes", mesh ID from the trust domain, one network). */
export interface MultiClusterSettings {
    readonly meshId?: string;
    readonly clusterName?: string;
    readonly network?: string;
}

/** The cluster name istiod uses when none is configured; also the name in the intermediate CA's subject. */
export const ISTIO_DEFAULT_CLUSTER_NAME = "Kubernetes";

export interface MtlsSettings {
    readonly mode: MtlsMode;
}

/** The name of the root a stack generates when none is configured. */
export const DEFAULT_ROOT_NAME = "root";

export function toRootSettings(root: { name: string; source?: RootSource; stack?: string }): RootSettings {
    // A root with no source is made here: the common single-cluster case.
    const source = root.source ?? (root.stack !== undefined ? "stack" : "generate");
    return source === "stack" ? { name: root.name, source, stack: root.stack ?? "" } : { name: root.name, source };
}

export function toPkiSettings(input: MeshConfigInput): PkiSettings {
    const pki = input.pki;
    const roots = (pki?.roots ?? [{ name: DEFAULT_ROOT_NAME }]).map(toRootSettings);
    return {
        // On by default: a plug-in CA is what production needs and costs nothing in dev.
        enabled: pki?.enabled ?? true,
        // ECDSA: smaller keys and signatures than RSA at equal strength, so faster mTLS handshakes; Istio supports
        // ECDSA plug-in CAs. RSA stays available for PKIs that require it.
        keyAlgorithm: pki?.keyAlgorithm ?? "ECDSA",
        // P-256 (128-bit strength) for the intermediate that signs all day; the root gets P-384 (see pki/keys.ts).
        ecdsaCurve: pki?.ecdsaCurve ?? "P256",
        // 4096 bits for RSA, as Istio's own certificate Makefile uses for roots and intermediates.
        rsaBits: pki?.rsaBits ?? 4096,
        roots,
        // With one root, it signs; with several, the configuration must say which (cross-field check).
        signingRoot: pki?.signingRoot ?? roots[0].name,
        // Ten years: a root is rotated on purpose, with the runbook, never by surprise.
        rootValidityDays: pki?.rootValidityDays ?? 3650,
        // One year for the intermediate, re-issued automatically by an up in its last 30 days.
        intermediateValidityDays: pki?.intermediateValidityDays ?? 365,
        intermediateRenewBeforeDays: pki?.intermediateRenewBeforeDays ?? 30,
        // Off: a root key leaves the stack only when a platform team asks for it.
        exportRootKey: pki?.exportRootKey ?? false,
    };
}

export function toMultiClusterSettings(input: MeshConfigInput): MultiClusterSettings {
    // No defaults of our own: a single-cluster mesh keeps Istio's, so it looks as Istio documents it.
    return { ...input.multiCluster };
}

export function toMtlsSettings(input: MeshConfigInput): MtlsSettings {
    // PERMISSIVE is Istio's default and lets a namespace join the mesh before its clients do; prod sets STRICT.
    return { mode: input.mtls?.mode ?? "PERMISSIVE" };
}
