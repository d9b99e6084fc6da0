/**
 * PKI and mutual TLS: the mesh's certificate authority (`mesh.pki`) and mesh-wide mutual TLS (`mesh.mtls`); the
 * cluster's place in a multi-cluster mesh is multiCluster.ts. Schema, in-section checks, defaults and the derivations
 * both use.
 */
import { z } from "zod";
import { ConfigIssue, duplicates } from "./issues";
import { dns1123Label, positiveInt } from "./primitives";

// ---- configuration as written (the Mesh component's args and the stack file's keys)

/** A trusted root. */
export interface RootConfig {
    /** @default required */
    readonly name: string;
    /** `generate`, `config` (secret configuration `rootCertificates.<name>`) or `stack` (another stack's outputs). @default `generate`, or `stack` with `stack` */
    readonly source?: RootSource;
    /** The stack whose outputs hold the root: `org/project/stack`. @default none */
    readonly stack?: string;
}

/** The mesh's certificate authority. */
export interface PkiConfig {
    /** A plug-in CA is what production needs; `false` lets istiod self-sign. @default `true` */
    readonly enabled?: boolean;
    /** Smaller keys and signatures than RSA at equal strength, so faster mTLS handshakes; `RSA` for PKIs that require it. @default `ECDSA` */
    readonly keyAlgorithm?: KeyAlgorithm;
    /** For the intermediate, which signs every workload certificate; generated roots always get P-384. @default `P256` */
    readonly ecdsaCurve?: EcdsaCurve;
    /** As Istio's own certificate tooling; 2048 and 3072 allowed. @default `4096` (RSA only) */
    readonly rsaBits?: RsaBits;
    /** Every trusted root. @default `[{name: root}]`, generated */
    readonly roots?: readonly RootConfig[];
    /** Which root signs this cluster's intermediate; required with several roots. @default the only root */
    readonly signingRoot?: string;
    /** A root is rotated on purpose with the runbook, never by an up. @default `3650` */
    readonly rootValidityDays?: number;
    /** @default `365` */
    readonly intermediateValidityDays?: number;
    /** An up within this window re-issues the intermediate. @default `30` */
    readonly intermediateRenewBeforeDays?: number;
    /** Export the signing root's key (a secret output) for other clusters' stacks; kept for existing stacks, `pki.caStack` keeps the key in one place. @default `false` */
    readonly exportRootKey?: boolean;
    /** The CA stack (`org/project/stack`) that issues this cluster's intermediate; the root's key stays there. Needs `multiCluster.clusterName`. @default none (the roots are this stack's) */
    readonly caStack?: string;
}

export interface MtlsConfig {
    /** Istio's default, lets a namespace join before its clients; prod sets `STRICT`. @default `PERMISSIVE` */
    readonly mode?: MtlsMode;
}

// ---- schema

export const KEY_ALGORITHMS = ["ECDSA", "RSA"] as const;
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];

export const ECDSA_CURVES = ["P256", "P384"] as const;
export type EcdsaCurve = (typeof ECDSA_CURVES)[number];

/** RSA sizes below 2048 bits are refused by current TLS stacks; above 4096 signing gets slow for no gain. */
export const RSA_BITS = [2048, 3072, 4096] as const;
export type RsaBits = (typeof RSA_BITS)[number];

/** Where a trusted root comes from: made by this stack, given as secret configuration, or another stack's output. */
export const ROOT_SOURCES = ["generate", "config", "stack"] as const;
export type RootSource = (typeof ROOT_SOURCES)[number];

export const MTLS_MODES = ["STRICT", "PERMISSIVE"] as const;
export type MtlsMode = (typeof MTLS_MODES)[number];

const days = (what: string, example: number) => positiveInt(`${what}, in days`, example);

/** A stack as a stack reference names it: `org/project/stack`, or `stack` / `project/stack` with a file backend. */
export function stackName(example: string) {
    return z.string().regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+){0,2}$/, {
        error: `allowed: a stack name as \`pulumi stack ls\` shows it (org/project/stack). Fix: e.g. ${example}`,
    });
}

export const rootSchema = z.strictObject({
    name: dns1123Label("root-2026"),
    source: z.enum(ROOT_SOURCES).optional(),
    stack: stackName("acme/mesh-root/prod").optional(),
});

export const pkiSchema = z.strictObject({
    enabled: z.boolean().optional(),
    keyAlgorithm: z.enum(KEY_ALGORITHMS).optional(),
    ecdsaCurve: z.enum(ECDSA_CURVES).optional(),
    rsaBits: z
        .union(RSA_BITS.map((bits) => z.literal(bits)), {
            error: `allowed: one of ${RSA_BITS.join(", ")} (bits of an RSA key). Fix: e.g. 4096`,
        })
        .optional(),
    roots: z.array(rootSchema).min(1, { error: "allowed: at least one root. Fix: remove the key to generate one" }).optional(),
    signingRoot: dns1123Label("root-2026").optional(),
    rootValidityDays: days("lifetime of a generated root", 3650).optional(),
    intermediateValidityDays: days("lifetime of the cluster's intermediate CA", 365).optional(),
    intermediateRenewBeforeDays: days("how long before expiry an up re-issues the intermediate", 30).optional(),
    exportRootKey: z.boolean().optional(),
    caStack: stackName("acme/istio-mesh/ca").optional(),
});

export const mtlsSchema = z.strictObject({
    mode: z.enum(MTLS_MODES).optional(),
});
export type RootInput = z.infer<typeof rootSchema>;
export type PkiInput = z.infer<typeof pkiSchema>;
export type MtlsInput = z.infer<typeof mtlsSchema>;

// ---- settings

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
    /**
     * The CA stack that issued this cluster's intermediate (its outputs: components/pki/caStackOutputs.ts); `roots`
     * is then empty: the roots are the CA stack's.
     */
    readonly caStack?: string;
}

/** The cluster name istiod uses when none is configured; also the name in the intermediate CA's subject. */
export const ISTIO_DEFAULT_CLUSTER_NAME = "Kubernetes";

export interface MtlsSettings {
    readonly mode: MtlsMode;
}

/** The name of the root a stack generates when none is configured. */
export const DEFAULT_ROOT_NAME = "root";

// ---- derivations (checks and defaults both use them)

/** Where a root comes from: as written; a root naming a stack comes from it; any other is made here. */
function rootSourceOf(root: { source?: RootSource; stack?: string }): RootSource {
    // A root with no source is made here: the common single-cluster case.
    return root.source ?? (root.stack !== undefined ? "stack" : "generate");
}

/** The roots as written, or the one generated root. */
function writtenRoots(pki: PkiInput | undefined): RootInput[] {
    return pki?.roots ?? [{ name: DEFAULT_ROOT_NAME }];
}

/** The intermediate's lifetime and renewal window. */
export function intermediateDays(
    pki: { intermediateValidityDays?: number; intermediateRenewBeforeDays?: number } | undefined,
): { validity: number; renewBefore: number } {
    // One year for the intermediate, re-issued automatically by an up in its last 30 days.
    return { validity: pki?.intermediateValidityDays ?? 365, renewBefore: pki?.intermediateRenewBeforeDays ?? 30 };
}

// ---- defaults

export function toRootSettings(root: RootInput): RootSettings {
    const source = rootSourceOf(root);
    return source === "stack" ? { name: root.name, source, stack: root.stack ?? "" } : { name: root.name, source };
}

export function toPkiSettings(pki: PkiInput | undefined): PkiSettings {
    // With a CA stack, the roots and their keys are the CA stack's, never this one's.
    const roots = pki?.caStack !== undefined ? [] : writtenRoots(pki).map(toRootSettings);
    const days = intermediateDays(pki);
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
        // With one root, it signs; with several, the configuration must say which (cross-field check). With a CA
        // stack, none here signs.
        signingRoot: pki?.signingRoot ?? roots[0]?.name ?? "",
        // Ten years: a root is rotated on purpose, with the runbook, never by surprise.
        rootValidityDays: pki?.rootValidityDays ?? 3650,
        intermediateValidityDays: days.validity,
        intermediateRenewBeforeDays: days.renewBefore,
        // Off: a root key leaves the stack only when a platform team asks for it.
        exportRootKey: pki?.exportRootKey ?? false,
        ...(pki?.caStack !== undefined ? { caStack: pki.caStack } : {}),
    };
}

export function toMtlsSettings(mtls: MtlsInput | undefined): MtlsSettings {
    // PERMISSIVE is Istio's default and lets a namespace join the mesh before its clients do; prod sets STRICT.
    return { mode: mtls?.mode ?? "PERMISSIVE" };
}

// ---- checks


/** Where a PKI section sits: its key path and how messages spell it (`pki` of a mesh, the `ca` key of a CA stack). */
export interface PkiSection {
    readonly path: readonly PropertyKey[];
    readonly name: string;
}

const MESH_PKI: PkiSection = { path: ["pki"], name: "pki" };

/** The keys a cluster stack leaves to its CA stack: the roots, and the intermediate's key and lifetime. */
const DECIDED_BY_CA_STACK = [
    "keyAlgorithm",
    "ecdsaCurve",
    "rsaBits",
    "roots",
    "signingRoot",
    "rootValidityDays",
    "intermediateValidityDays",
    "intermediateRenewBeforeDays",
    "exportRootKey",
] as const;

/** The key settings of an intermediate, checked where they are written (a mesh's pki, the CA stack, a cluster of it). */
export function keySettingIssues(
    keys: { keyAlgorithm?: KeyAlgorithm; ecdsaCurve?: EcdsaCurve; rsaBits?: RsaBits },
    at: PkiSection,
    algorithm: KeyAlgorithm = keys.keyAlgorithm ?? "ECDSA",
): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    if (algorithm === "ECDSA" && keys.rsaBits !== undefined) {
        issues.push({
            path: [...at.path, "rsaBits"],
            given: keys.rsaBits,
            message: `applies to RSA keys only. Fix: set ${at.name}.keyAlgorithm to "RSA", or remove ${at.name}.rsaBits`,
        });
    }
    if (algorithm === "RSA" && keys.ecdsaCurve !== undefined) {
        issues.push({
            path: [...at.path, "ecdsaCurve"],
            given: keys.ecdsaCurve,
            message: `applies to ECDSA keys only. Fix: set ${at.name}.keyAlgorithm to "ECDSA", or remove ${at.name}.ecdsaCurve`,
        });
    }
    return issues;
}

/** An intermediate's renewal window against its lifetime. */
export function intermediateDaysIssues(
    days: { intermediateValidityDays?: number; intermediateRenewBeforeDays?: number },
    at: PkiSection,
    inherited: { validity: number; renewBefore: number } = intermediateDays(undefined),
): ConfigIssue[] {
    const validity = days.intermediateValidityDays ?? inherited.validity;
    const renewBefore = days.intermediateRenewBeforeDays ?? inherited.renewBefore;
    if (renewBefore < validity) {
        return [];
    }
    return [
        {
            path: [...at.path, "intermediateRenewBeforeDays"],
            given: renewBefore,
            message: `allowed: fewer days than ${at.name}.intermediateValidityDays (${validity}), or every up would re-issue it. Fix: e.g. ${Math.max(1, Math.floor(validity / 12))}`,
        },
    ];
}

/** A pki section that takes its intermediate from a CA stack: what it may no longer say. */
function caStackIssues(pki: PkiInput, caStack: string): ConfigIssue[] {
    const issues: ConfigIssue[] = DECIDED_BY_CA_STACK.filter((key) => pki[key] !== undefined).map((key) => ({
        path: ["pki", key],
        given: pki[key],
        message:
            key === "roots" || key === "signingRoot" || key === "rootValidityDays" || key === "exportRootKey"
                ? `conflicts with pki.caStack: the roots and their keys are the CA stack's (${caStack}). Fix: remove pki.${key}, or remove pki.caStack`
                : `conflicts with pki.caStack: the CA stack (${caStack}) issues this cluster's intermediate. Fix: remove pki.${key} and set ca.clusters[].${key} in the CA stack`,
    }));
    if (pki.enabled === false) {
        issues.push({
            path: ["pki", "enabled"],
            given: false,
            message: "conflicts with pki.caStack: the intermediate of a CA stack is a plug-in CA. Fix: remove pki.caStack, or set pki.enabled: true",
        });
    }
    return issues;
}

export function pkiIssues(pki: PkiInput, at: PkiSection = MESH_PKI): ConfigIssue[] {
    if (pki.caStack !== undefined) {
        return caStackIssues(pki, pki.caStack);
    }
    const issues: ConfigIssue[] = [...keySettingIssues(pki, at)];
    const roots = writtenRoots(pki);
    for (const name of duplicates(roots.map((root) => root.name))) {
        issues.push({ path: [...at.path, "roots"], given: name, message: `root "${name}" is listed twice. Fix: keep one entry` });
    }
    roots.forEach((root, index) => {
        const source = rootSourceOf(root);
        if (source === "stack" && root.stack === undefined) {
            issues.push({
                path: [...at.path, "roots", index, "stack"],
                message: "required for a root taken from another stack. Fix: e.g. stack: acme/mesh-root/prod",
            });
        }
        if (source !== "stack" && root.stack !== undefined) {
            issues.push({
                path: [...at.path, "roots", index, "stack"],
                given: root.stack,
                message: `read only when source is "stack". Fix: set source: stack, or remove stack`,
            });
        }
    });
    if (pki.signingRoot !== undefined && !roots.some((root) => root.name === pki.signingRoot)) {
        issues.push({
            path: [...at.path, "signingRoot"],
            given: pki.signingRoot,
            message: `allowed: a root of ${at.name}.roots (${roots.map((root) => root.name).join(", ")}). Fix: name one of those`,
        });
    }
    if (pki.signingRoot === undefined && roots.length > 1) {
        issues.push({
            path: [...at.path, "signingRoot"],
            message:
                `required with several roots: the one that signs this cluster's intermediate. Fix: set ${at.name}.signingRoot ` +
                `to one of ${roots.map((root) => root.name).join(", ")}`,
        });
    }
    issues.push(...intermediateDaysIssues(pki, at));
    return issues;
}
