/**
 * Building blocks of the configuration schema: Kubernetes names, quantities, counts. Each carries its own message
 * with what is allowed and an example fix.
 */
import { z } from "zod";
import { isKnownLine, parseIstioVersion, unknownLineMessage } from "./istioVersion";

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// Kubernetes resource quantities: 500m, 2, 1.5, 128Mi, 2Gi, 1e3.
const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|e[0-9]+)?$/;
// An image registry/repository prefix such as docker.io/istio or registry.example.com:5000/mirror/istio.
export const IMAGE_HUB = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]+)?(\/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)*$/;
// An image tag: Docker's rule (128 characters of word characters, '.' and '-', not starting with '.' or '-').
export const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
// A SPIFFE trust domain: lowercase letters, digits, '.', '-' and '_' (SPIFFE ID spec, section 2.1).
export const SPIFFE_TRUST_DOMAIN = /^[a-z0-9._-]+$/;

export function dns1123Label(example: string) {
    return z
        .string()
        .max(63, {
            error: `allowed: a DNS-1123 label of at most 63 characters. Fix: shorten it, e.g. ${example}`,
        })
        .regex(DNS1123_LABEL, {
            error:
                "allowed: a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter " +
                `or digit). Fix: rewrite it in that form, e.g. ${example}`,
        });
}

export function dns1123Subdomain(example: string) {
    return z
        .string()
        .max(253, { error: `allowed: a DNS-1123 name of at most 253 characters. Fix: shorten it, e.g. ${example}` })
        .regex(DNS1123_SUBDOMAIN, {
            error:
                "allowed: a Kubernetes object name (lowercase letters, digits, '-' and '.'). " +
                `Fix: use the object's exact name, e.g. ${example}`,
        });
}

export function quantity(example: string) {
    return z.string().regex(QUANTITY, {
        error: `allowed: a Kubernetes quantity such as 500m, 2, 128Mi or 2Gi. Fix: write it as a quoted string, e.g. "${example}"`,
    });
}

const resourceList = z.strictObject({
    cpu: quantity("500m").optional(),
    memory: quantity("2Gi").optional(),
});

/** A container's requests and limits, as written. */
export interface ResourceListConfig {
    /** A Kubernetes quantity, e.g. `500m`. @default none */
    readonly cpu?: string;
    /** A Kubernetes quantity, e.g. `2Gi`. @default none */
    readonly memory?: string;
}

export interface ResourcesConfig {
    readonly requests?: ResourceListConfig;
    readonly limits?: ResourceListConfig;
}

export const resourcesSchema = z.strictObject({
    requests: resourceList.optional(),
    limits: resourceList.optional(),
});

export const positiveInt = (what: string, example: number) =>
    z
        .number({ error: `allowed: a whole number (${what}). Fix: write a number without quotes, e.g. ${example}` })
        .int({ error: `allowed: a whole number (${what}). Fix: e.g. ${example}` })
        .min(1, { error: `allowed: at least 1 (${what}). Fix: e.g. ${example}` });

export interface ResourceQuantities {
    readonly cpu?: string;
    readonly memory?: string;
}

export interface ResourceRequirements {
    readonly requests?: ResourceQuantities;
    readonly limits?: ResourceQuantities;
}

/** Said when a stack file pins no Istio version at all. */
export const VERSION_REQUIRED =
    "required: the exact Istio release to install, pinned per stack (there is no default so that " +
    "an upgrade is always a reviewed change). Fix: pulumi config set --path 'mesh.istio.version' 1.30.3";

/** An exact, supported Istio release, as a string. */
export const istioVersionSchema = z
    .string({
        error: (issue) =>
            issue.input === undefined
                ? VERSION_REQUIRED
                : "allowed: an exact Istio release as a quoted string (YAML reads 1.30 as a number). " +
                  "Fix: write it in quotes, e.g. \"1.30.3\"",
    })
    .refine((text) => parseIstioVersion(text) !== undefined, {
        error:
            "allowed: an exact Istio release MAJOR.MINOR.PATCH with an optional pre-release, e.g. 1.30.3 or " +
            "1.31.0-rc.0 (no leading 'v', no ranges). Fix: pin the exact release, e.g. 1.30.3",
        abort: true,
    })
    // A line past its end of life is known here and refused by lineSupportIssues (crossSection.ts), which allows it
    // beside a supported revision during a canary upgrade off it.
    .refine((text) => isKnownLine(parseIstioVersion(text)!), { error: () => unknownLineMessage() });

// ---- scheduling and pod settings, as Kubernetes writes them (passed to the charts verbatim)

const stringMap = (example: string) =>
    z.record(z.string(), z.string(), { error: `allowed: a mapping of keys to string values. Fix: e.g. ${example}` });

export const tolerationSchema = z.strictObject({
    key: z.string().optional(),
    operator: z.enum(["Exists", "Equal"]).optional(),
    value: z.string().optional(),
    effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]).optional(),
    tolerationSeconds: z.number().int().optional(),
});

export const labelSelectorSchema = z.strictObject({
    matchLabels: stringMap("{ app: shop }").optional(),
    matchExpressions: z
        .array(
            z.strictObject({
                key: z.string(),
                operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist"]),
                values: z.array(z.string()).optional(),
            }),
        )
        .optional(),
});

export const topologySpreadSchema = z.strictObject({
    maxSkew: positiveInt("the largest difference of pods between two domains", 1),
    topologyKey: z.string().min(1),
    whenUnsatisfiable: z.enum(["DoNotSchedule", "ScheduleAnyway"]),
    labelSelector: labelSelectorSchema.optional(),
    minDomains: positiveInt("fewest domains", 3).optional(),
    matchLabelKeys: z.array(z.string()).optional(),
    nodeAffinityPolicy: z.enum(["Honor", "Ignore"]).optional(),
    nodeTaintsPolicy: z.enum(["Honor", "Ignore"]).optional(),
});

/** Kubernetes' Affinity: its three parts, each passed verbatim. */
export const affinitySchema = z.strictObject({
    nodeAffinity: z.record(z.string(), z.unknown()).optional(),
    podAffinity: z.record(z.string(), z.unknown()).optional(),
    podAntiAffinity: z.record(z.string(), z.unknown()).optional(),
});

/** The scheduling and pod keys shared by istiod, gateways and the CNI agent. */
export const podFields = {
    nodeSelector: stringMap("{ node-role.kubernetes.io/infra: \"\" }").optional(),
    tolerations: z.array(tolerationSchema).optional(),
    affinity: affinitySchema.optional(),
    topologySpreadConstraints: z.array(topologySpreadSchema).optional(),
    priorityClassName: dns1123Subdomain("system-cluster-critical").optional(),
    podAnnotations: stringMap('{ prometheus.io/scrape: "true" }').optional(),
    podLabels: stringMap("{ team: platform }").optional(),
};

export interface TolerationConfig {
    readonly key?: string;
    readonly operator?: "Exists" | "Equal";
    readonly value?: string;
    readonly effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
    readonly tolerationSeconds?: number;
}

export interface LabelSelectorConfig {
    readonly matchLabels?: Readonly<Record<string, string>>;
    readonly matchExpressions?: readonly {
        readonly key: string;
        readonly operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
        readonly values?: readonly string[];
    }[];
}

export interface TopologySpreadConfig {
    readonly maxSkew: number;
    readonly topologyKey: string;
    readonly whenUnsatisfiable: "DoNotSchedule" | "ScheduleAnyway";
    readonly labelSelector?: LabelSelectorConfig;
    readonly minDomains?: number;
    readonly matchLabelKeys?: readonly string[];
    readonly nodeAffinityPolicy?: "Honor" | "Ignore";
    readonly nodeTaintsPolicy?: "Honor" | "Ignore";
}

export interface AffinityConfig {
    readonly nodeAffinity?: Readonly<Record<string, unknown>>;
    readonly podAffinity?: Readonly<Record<string, unknown>>;
    readonly podAntiAffinity?: Readonly<Record<string, unknown>>;
}

/** Where the pods run, and what they carry. Each key is passed to the chart verbatim, as Kubernetes writes it. */
export interface PodConfig {
    /** Nodes the pods may run on, by label. @default `{}` */
    readonly nodeSelector?: Readonly<Record<string, string>>;
    /** Taints the pods tolerate. @default `[]` */
    readonly tolerations?: readonly TolerationConfig[];
    /** Kubernetes' node and pod (anti-)affinity. @default `{}` */
    readonly affinity?: AffinityConfig;
    /** How the pods spread across zones or nodes. @default `[]` */
    readonly topologySpreadConstraints?: readonly TopologySpreadConfig[];
    /** A PriorityClass for the pods. @default none */
    readonly priorityClassName?: string;
    /** Annotations of the pods. @default `{}` */
    readonly podAnnotations?: Readonly<Record<string, string>>;
    /** Labels of the pods. @default `{}` */
    readonly podLabels?: Readonly<Record<string, string>>;
}

/** The pod settings, typed; empty keys are left out so that the charts keep their own defaults. */
export interface PodSettings {
    readonly nodeSelector: Readonly<Record<string, string>>;
    readonly tolerations: readonly TolerationConfig[];
    readonly affinity: AffinityConfig;
    readonly topologySpreadConstraints: readonly TopologySpreadConfig[];
    readonly priorityClassName?: string;
    readonly podAnnotations: Readonly<Record<string, string>>;
    readonly podLabels: Readonly<Record<string, string>>;
}

export function toPodSettings(pod: PodConfig | undefined): PodSettings {
    // Nothing of our own: a pod runs where the cluster's scheduler puts it unless the platform team says otherwise.
    return {
        nodeSelector: pod?.nodeSelector ?? {},
        tolerations: pod?.tolerations ?? [],
        affinity: pod?.affinity ?? {},
        topologySpreadConstraints: pod?.topologySpreadConstraints ?? [],
        priorityClassName: pod?.priorityClassName,
        podAnnotations: pod?.podAnnotations ?? {},
        podLabels: pod?.podLabels ?? {},
    };
}

/** The keys of a value that are set: empty maps and lists, and undefined, are left out. */
export function nonEmpty<T extends Record<string, unknown>>(value: T): Partial<T> {
    return Object.fromEntries(
        Object.entries(value).filter(([, entry]) =>
            entry === undefined ? false : Array.isArray(entry) ? entry.length > 0 : typeof entry === "object" && entry !== null ? Object.keys(entry).length > 0 : true,
        ),
    ) as Partial<T>;
}
