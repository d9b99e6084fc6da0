/**
 * The `readiness` and `lifecycle` sections: when the stack considers istiod serving, and what it refuses to do to a
 * running mesh. Schema, defaults (next to their reasons) and the typed settings.
 */
import { z } from "zod";

export const readinessSchema = z.strictObject({
    probe: z.enum(["serving", "skip"]).optional(),
    probeNamespace: z
        .string()
        .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { error: "allowed: a namespace name (a DNS label). Fix: e.g. default" })
        .optional(),
    timeoutSeconds: z
        .number()
        .int({ error: "allowed: whole seconds. Fix: e.g. 300" })
        .min(10, { error: "allowed: at least 10 seconds (istiod needs a few to start). Fix: e.g. 300" })
        .max(3600, { error: "allowed: at most 3600 seconds. Fix: e.g. 300" })
        .optional(),
});

export const lifecycleSchema = z.strictObject({
    forceRevisionRemoval: z.boolean().optional(),
    adoptExisting: z.boolean().optional(),
});

/** The readiness gate: when istiod counts as serving (README "What it installs"). */
export interface ReadinessConfig {
    /** serving: wait until the injectors and validation answer; skip: no probe, where no istiod can answer. @default `serving` */
    readonly probe?: "serving" | "skip";
    /** Where the gate's dry-run pods are created. @default `default` */
    readonly probeNamespace?: string;
    /** How long the gate waits for istiod to serve. @default `300` */
    readonly timeoutSeconds?: number;
}

/** What the stack refuses to do to a running mesh. */
export interface LifecycleConfig {
    /** Remove a revision even while pods run its proxies. @default `false` */
    readonly forceRevisionRemoval?: boolean;
    /**
     * Import every object the stack applies that already exists in the cluster and is not in the stack's state (an
     * install made with istioctl or Helm): the preview and the up show it as `import` then an update in place, not as
     * a create. @default `false`
     */
    readonly adoptExisting?: boolean;
}

export interface ReadinessSettings {
    /** serving: wait until istiod answers; skip: no probe (a cluster where no istiod can answer). */
    readonly probe: "serving" | "skip";
    /** Where the gate's dry-run pods are created. */
    readonly probeNamespace: string;
    readonly timeoutSeconds: number;
}

export interface LifecycleSettings {
    /** Remove a revision even while pods run its proxies. */
    readonly forceRevisionRemoval: boolean;
    /** Import the objects that exist in the cluster and are not in the state (lifecycle/existingObjects.ts). */
    readonly adoptExisting: boolean;
}

export function toReadinessSettings(input: z.infer<typeof readinessSchema> | undefined): ReadinessSettings {
    return {
        // A gate that means "serving" by default: Istio resources and injected pods need istiod to answer.
        probe: input?.probe ?? "serving",
        // Every cluster has it, and it carries no injection label unless a team enrolled it.
        probeNamespace: input?.probeNamespace ?? "default",
        // istiod with its image pulled serves within seconds; 5 minutes covers a slow pull on a loaded cluster.
        timeoutSeconds: input?.timeoutSeconds ?? 300,
    };
}

export function toLifecycleSettings(input: z.infer<typeof lifecycleSchema> | undefined): LifecycleSettings {
    return {
        // Off: proxies cut off their control plane are an outage, so removing a revision in use takes a deliberate key.
        forceRevisionRemoval: input?.forceRevisionRemoval ?? false,
        // Off: it lists the cluster's objects of every kind the stack applies on each run, which only an adoption needs.
        adoptExisting: input?.adoptExisting ?? false,
    };
}
