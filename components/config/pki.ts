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
    /** Export the signing root's key (as a secret output) for other clusters' stacks. @default `false` */
    readonly exportRootKey?: boolean;
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

export const rootSchema = z.strictObject({
    name: dns1123Label("root-2026"),
    source: z.enum(ROOT_SOURCES).optional(),
    stack: z
        .string()
        .regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+){0,2}$/, {
            error: "allowed: a stack name as `pulumi stack ls` shows it (org/project/stack). Fix: e.g. acme/mesh-root/prod",
        })
        .optional(),
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
function intermediateDays(pki: PkiInput | undefined): { validity: number; renewBefore: number } {
    // One year for the intermediate, re-issued automatically by an up in its last 30 days.
    return { validity: pki?.intermediateValidityDays ?? 365, renewBefore: pki?.intermediateRenewBeforeDays ?? 30 };
}

// ---- defaults

export function toRootSettings(root: RootInput): RootSettings {
    const source = rootSourceOf(root);
    return source === "stack" ? { name: root.name, source, stack: root.stack ?? "" } : { name: root.name, source };
}

export function toPkiSettings(pki: PkiInput | undefined): PkiSettings {
    const roots = writtenRoots(pki).map(toRootSettings);
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
        // With one root, it signs; with several, the configuration must say which (cross-field check).
        signingRoot: pki?.signingRoot ?? roots[0].name,
        // Ten years: a root is rotated on purpose, with the runbook, never by surprise.
        rootValidityDays: pki?.rootValidityDays ?? 3650,
        intermediateValidityDays: days.validity,
        intermediateRenewBeforeDays: days.renewBefore,
        // Off: a root key leaves the stack only when a platform team asks for it.
        exportRootKey: pki?.exportRootKey ?? false,
    };
}

export function toMtlsSettings(mtls: MtlsInput | undefined): MtlsSettings {
    // PERMISSIVE is Istio's default and lets a namespace join the mesh before its clients do; prod sets STRICT.
    return { mode: mtls?.mode ?? "PERMISSIVE" };
}

// ---- checks


export function pkiIssues(pki: PkiInput): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    const algorithm = pki.keyAlgorithm ?? "ECDSA";
    if (algorithm === "ECDSA" && pki.rsaBits !== undefined) {
        issues.push({
            path: ["pki", "rsaBits"],
            given: pki.rsaBits,
            message: 'applies to RSA keys only. Fix: set pki.keyAlgorithm to "RSA", or remove pki.rsaBits',
        });
    }
    if (algorithm === "RSA" && pki.ecdsaCurve !== undefined) {
        issues.push({
            path: ["pki", "ecdsaCurve"],
            given: pki.ecdsaCurve,
            message: 'applies to ECDSA keys only. Fix: set pki.keyAlgorithm to "ECDSA", or remove pki.ecdsaCurve',
        });
    }
    const roots = writtenRoots(pki);
    for (const name of duplicates(roots.map((root) => root.name))) {
        issues.push({ path: ["pki", "roots"], given: name, message: `root "${name}" is listed twice. Fix: keep one entry` });
    }
    roots.forEach((root, index) => {
        const source = rootSourceOf(root);
        if (source === "stack" && root.stack === undefined) {
            issues.push({
                path: ["pki", "roots", index, "stack"],
                message: "required for a root taken from another stack. Fix: e.g. stack: acme/mesh-root/prod",
            });
        }
        if (source !== "stack" && root.stack !== undefined) {
            issues.push({
                path: ["pki", "roots", index, "stack"],
                given: root.stack,
                message: `read only when source is "stack". Fix: set source: stack, or remove stack`,
            });
        }
    });
    if (pki.signingRoot !== undefined && !roots.some((root) => root.name === pki.signingRoot)) {
        issues.push({
            path: ["pki", "signingRoot"],
            given: pki.signingRoot,
            message: `allowed: a root of pki.roots (${roots.map((root) => root.name).join(", ")}). Fix: name one of those`,
        });
    }
    if (pki.signingRoot === undefined && roots.length > 1) {
        issues.push({
            path: ["pki", "signingRoot"],
            message:
                `required with several roots: the one that signs this cluster's intermediate. Fix: set pki.signingRoot ` +
                `to one of ${roots.map((root) => root.name).join(", ")}`,
        });
    }
    const { validity, renewBefore } = intermediateDays(pki);
    if (renewBefore >= validity) {
        issues.push({
            path: ["pki", "intermediateRenewBeforeDays"],
            given: renewBefore,
            message: `allowed: fewer days than pki.intermediateValidityDays (${validity}), or every up would re-issue it. Fix: e.g. ${Math.max(1, Math.floor(validity / 12))}`,
        });
    }
    return issues;
}
