/**
 * The configuration of the mesh's PKI (`mesh.pki`), multi-cluster identity (`mesh.multiCluster`) and mesh-wide
 * mutual TLS (`mesh.mtls`).
 */
import { z } from "zod";
import { dns1123Label, positiveInt } from "./primitives";

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

export const multiClusterSchema = z.strictObject({
    meshId: dns1123Label("mesh1").optional(),
    clusterName: dns1123Label("prod-eu-1").optional(),
    network: dns1123Label("network1").optional(),
});

export const mtlsSchema = z.strictObject({
    mode: z.enum(MTLS_MODES).optional(),
});
