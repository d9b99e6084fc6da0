/**
 * The CA stack's configuration (the stack key `ca`): a stack of this project that holds the mesh's roots and issues
 * one intermediate CA per listed cluster, so that no cluster's stack ever holds a root's private key (README: one
 * root for several clusters). Schema, checks, defaults.
 */
import { z } from "zod";
import { ConfigIssue, ConfigSection, duplicates, fromZodIssues, MeshConfigError } from "./issues";
import { dns1123Label } from "./primitives";
import {
    EcdsaCurve,
    intermediateDays,
    intermediateDaysIssues,
    KeyAlgorithm,
    keySettingIssues,
    pkiIssues,
    pkiSchema,
    PkiSection,
    PkiSettings,
    RootConfig,
    RsaBits,
    toPkiSettings,
} from "./pki";

/** The stack configuration key (without the project prefix) of a CA stack. */
export const CA_CONFIG_KEY = "ca";

const CA_SECTION: ConfigSection = { key: CA_CONFIG_KEY, label: "CA" };
const CA_PKI: PkiSection = { path: [], name: CA_CONFIG_KEY };

/** The Istio namespace a cluster's intermediate names when the entry does not say: the mesh's own default. */
export const DEFAULT_CLUSTER_ISTIO_NAMESPACE = "istio-system";

// ---- configuration as written

/** A cluster of the mesh, which gets an intermediate CA of its own. */
export interface CaClusterConfig {
    /** The cluster's `multiCluster.clusterName`, written in its intermediate's subject. @default required */
    readonly name: string;
    /** The cluster's Istio namespace (its stack's `namespace`): istiod's service name is the intermediate's DNS SAN. @default `istio-system` */
    readonly istioNamespace?: string;
    /** @default `ca.keyAlgorithm` */
    readonly keyAlgorithm?: KeyAlgorithm;
    /** @default `ca.ecdsaCurve` */
    readonly ecdsaCurve?: EcdsaCurve;
    /** @default `ca.rsaBits` */
    readonly rsaBits?: RsaBits;
    /** @default `ca.intermediateValidityDays` */
    readonly intermediateValidityDays?: number;
    /** @default `ca.intermediateRenewBeforeDays` */
    readonly intermediateRenewBeforeDays?: number;
}

/** The mesh's CA: its roots, and one intermediate per cluster. */
export interface CaConfiguration {
    /** For the roots and, unless a cluster says otherwise, the intermediates. @default `ECDSA` */
    readonly keyAlgorithm?: KeyAlgorithm;
    /** For the intermediates; generated roots always get P-384. @default `P256` */
    readonly ecdsaCurve?: EcdsaCurve;
    /** @default `4096` (RSA only) */
    readonly rsaBits?: RsaBits;
    /** Every trusted root: generated here, or the offline root as secret configuration (`source: config`). @default `[{name: root}]`, generated */
    readonly roots?: readonly RootConfig[];
    /** Which root signs the intermediates; required with several roots. @default the only root */
    readonly signingRoot?: string;
    /** A root is rotated on purpose with the runbook, never by an up. @default `3650` */
    readonly rootValidityDays?: number;
    /** @default `365` */
    readonly intermediateValidityDays?: number;
    /** An up within this window re-issues an intermediate. @default `30` */
    readonly intermediateRenewBeforeDays?: number;
    /** One entry per cluster (none: the CA holds its roots and issues nothing); adding a cluster is one entry. */
    readonly clusters?: readonly CaClusterConfig[];
}

// ---- schema

const pkiKeys = pkiSchema.shape;

export const caClusterSchema = z.strictObject({
    name: dns1123Label("prod-eu-1"),
    istioNamespace: dns1123Label("istio-system").optional(),
    keyAlgorithm: pkiKeys.keyAlgorithm,
    ecdsaCurve: pkiKeys.ecdsaCurve,
    rsaBits: pkiKeys.rsaBits,
    intermediateValidityDays: pkiKeys.intermediateValidityDays,
    intermediateRenewBeforeDays: pkiKeys.intermediateRenewBeforeDays,
});

export const caSchema = z.strictObject({
    keyAlgorithm: pkiKeys.keyAlgorithm,
    ecdsaCurve: pkiKeys.ecdsaCurve,
    rsaBits: pkiKeys.rsaBits,
    roots: pkiKeys.roots,
    signingRoot: pkiKeys.signingRoot,
    rootValidityDays: pkiKeys.rootValidityDays,
    intermediateValidityDays: pkiKeys.intermediateValidityDays,
    intermediateRenewBeforeDays: pkiKeys.intermediateRenewBeforeDays,
    clusters: z.array(caClusterSchema).optional(),
});

export type CaClusterInput = z.infer<typeof caClusterSchema>;
export type CaInput = z.infer<typeof caSchema>;

// ---- settings

export interface CaClusterSettings {
    readonly name: string;
    readonly istioNamespace: string;
    /** The CA's settings with this cluster's own key and lifetime: what its intermediate is made with. */
    readonly pki: PkiSettings;
}

export interface CaSettings {
    /** The roots, their keys, and the defaults of every intermediate. */
    readonly pki: PkiSettings;
    readonly clusters: readonly CaClusterSettings[];
}

/** The CA-wide keys, as the mesh's `pki` section spells them. */
function caPki(ca: CaInput) {
    const { clusters: _clusters, ...pki } = ca;
    return pki;
}

export function toCaSettings(ca: CaInput): CaSettings {
    const shared = caPki(ca);
    return {
        pki: toPkiSettings(shared),
        // No clusters: a CA stack may hold its roots before the first cluster is listed.
        clusters: (ca.clusters ?? []).map((cluster) => {
            const { name, istioNamespace, ...own } = cluster;
            return {
                name,
                istioNamespace: istioNamespace ?? DEFAULT_CLUSTER_ISTIO_NAMESPACE,
                pki: toPkiSettings({ ...shared, ...own }),
            };
        }),
    };
}

// ---- checks

export function caIssues(ca: CaInput): ConfigIssue[] {
    const issues = [...pkiIssues(caPki(ca), CA_PKI)];
    (ca.roots ?? []).forEach((root, index) => {
        if (root.source === "stack" || root.stack !== undefined) {
            issues.push({
                path: ["roots", index, "source"],
                given: root.source ?? "stack",
                message:
                    "the CA stack holds its roots itself: allowed: generate, or config (the offline root as secret configuration). " +
                    "Fix: remove source and stack to generate it here, or give it with source: config",
            });
        }
    });
    const clusters = ca.clusters ?? [];
    for (const name of duplicates(clusters.map((cluster) => cluster.name))) {
        issues.push({
            path: ["clusters"],
            given: name,
            message: `cluster "${name}" is listed twice; each cluster has one intermediate. Fix: keep one entry`,
        });
    }
    const inherited = intermediateDays(ca);
    clusters.forEach((cluster, index) => {
        const at: PkiSection = { path: ["clusters", index], name: `ca.clusters[${index}]` };
        issues.push(...keySettingIssues(cluster, at, cluster.keyAlgorithm ?? ca.keyAlgorithm ?? "ECDSA"));
        issues.push(...intermediateDaysIssues(cluster, at, inherited));
    });
    return issues;
}

/** The keys allowed at a path of the CA configuration, for the suggestions of unknown keys. */
function knownCaKeysAt(path: readonly PropertyKey[]): string[] {
    if (path.length === 0) {
        return Object.keys(caSchema.shape);
    }
    if (path[0] === "clusters" && path.length === 2) {
        return Object.keys(caClusterSchema.shape);
    }
    if (path[0] === "roots" && path.length === 2) {
        return ["name", "source"];
    }
    return [];
}

/**
 * Validates a CA stack's configuration as written and returns it typed, or throws MeshConfigError (its keys spelt
 * `ca.`) listing every problem. Pure.
 */
export function validCaConfig(raw: unknown, stackName?: string, otherIssues: readonly ConfigIssue[] = []): CaInput {
    const parsed = caSchema.safeParse(raw ?? {}, { reportInput: true });
    const issues = [
        ...(parsed.success ? caIssues(parsed.data) : fromZodIssues(parsed.error.issues, raw, knownCaKeysAt, CA_CONFIG_KEY)),
        ...otherIssues,
    ];
    if (!parsed.success || issues.length > 0) {
        throw new MeshConfigError(issues, stackName, CA_SECTION);
    }
    return parsed.data;
}
