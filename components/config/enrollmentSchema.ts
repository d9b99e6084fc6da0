/**
 * The configuration of control-plane revisions and revision tags (`mesh.istio.revisions`, `mesh.istio.tags`),
 * namespace enrollment (`mesh.namespaces`) and the injection and validation webhooks (`mesh.webhooks`).
 */
import { z } from "zod";
import { dns1123Label } from "./primitives";

export const FAILURE_POLICIES = ["Fail", "Ignore"] as const;
export type FailurePolicy = (typeof FAILURE_POLICIES)[number];

/** The Pod Security Standards levels (pod-security.kubernetes.io/enforce). */
export const POD_SECURITY_LEVELS = ["privileged", "baseline", "restricted"] as const;
export type PodSecurityLevel = (typeof POD_SECURITY_LEVELS)[number];

export const REINVOCATION_POLICIES = ["Never", "IfNeeded"] as const;
export type ReinvocationPolicy = (typeof REINVOCATION_POLICIES)[number];

export const namespaceSchema = z.strictObject({
    name: dns1123Label("bookinfo"),
    tag: dns1123Label("stable").optional(),
    revision: dns1123Label("1-30-3").optional(),
    existing: z.boolean().optional(),
    podSecurity: z.enum(POD_SECURITY_LEVELS).optional(),
});

/** A label selector's matchLabels, as Kubernetes writes it. */
const matchLabels = z.record(z.string(), z.string(), {
    error: "allowed: a mapping of label keys to values. Fix: e.g. { app: legacy-batch }",
});

export const webhooksSchema = z.strictObject({
    validationFailurePolicy: z.enum(FAILURE_POLICIES).optional(),
    reinvocationPolicy: z.enum(REINVOCATION_POLICIES).optional(),
    neverInjectNamespaces: z.array(dns1123Label("kube-system")).optional(),
    neverInjectPodLabels: z.array(matchLabels).optional(),
    alwaysInjectPodLabels: z.array(matchLabels).optional(),
});
