/**
 * The configuration of traffic interception (`mesh.interception`): the `istio-init` container in every pod, or the
 * Istio CNI node agent.
 */
import { z } from "zod";
import { dns1123Label, resourcesSchema } from "./primitives";

export const INTERCEPTION_MODES = ["init", "cni"] as const;
export type InterceptionMode = (typeof INTERCEPTION_MODES)[number];

/** What the CNI agent's repair controller does with a pod that started before the node was ready. */
export const REPAIR_ACTIONS = ["repair", "delete", "label", "off"] as const;
export type RepairAction = (typeof REPAIR_ACTIONS)[number];

const absolutePath = (example: string) =>
    z.string().regex(/^\/[^\s]*$/, { error: `allowed: an absolute path on the node. Fix: e.g. ${example}` });

export const cniSchema = z.strictObject({
    namespace: dns1123Label("kube-system").optional(),
    binDir: absolutePath("/opt/cni/bin").optional(),
    confDir: absolutePath("/etc/cni/net.d").optional(),
    chained: z.boolean().optional(),
    repair: z.enum(REPAIR_ACTIONS).optional(),
    untaint: z.boolean().optional(),
    excludeNamespaces: z.array(dns1123Label("kube-system")).optional(),
    resources: resourcesSchema.optional(),
});

export const interceptionSchema = z.strictObject({
    mode: z.enum(INTERCEPTION_MODES).optional(),
    cni: cniSchema.optional(),
});
