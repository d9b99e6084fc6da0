/**
 * The `readiness` and `lifecycle` sections: when the stack considers istiod serving, and what it refuses to do to a
 * running mesh. Schema, defaults (next to their reasons) and the typed settings.
 */
import { z } from "zod";

export const readinessSchema = z.strictObject({
    probe: z
        .enum(["serving", "skip"], { message: "serving (wait until the injector and validation answer) or skip (no probe, where no istiod can answer)" })
        .optional(),
    probeNamespace: z.string().min(1, { message: "a namespace name" }).optional(),
    timeoutSeconds: z.number().int().min(10, { message: "at least 10 seconds" }).max(3600, { message: "at most 3600 seconds" }).optional(),
});

export const lifecycleSchema = z.strictObject({
    forceRevisionRemoval: z.boolean({ message: "true or false" }).optional(),
});

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
    // Off: proxies cut off their control plane are an outage, so removing a revision in use takes a deliberate key.
    return { forceRevisionRemoval: input?.forceRevisionRemoval ?? false };
}
