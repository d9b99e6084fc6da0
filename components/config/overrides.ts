/**
 * Chart overrides (`mesh.values.base|istiod|cni|gateway`, and `values` of each gateway): values of Istio's charts
 * that the configuration has no key for, deep-merged over the stack's own values. A key the stack derives from a
 * typed key is refused, naming the typed key, so that an override can never make the stack's pieces disagree.
 */
import { z } from "zod";
import { ConfigIssue } from "./issues";

export const CHARTS = ["base", "istiod", "cni", "gateway"] as const;
export type ChartName = (typeof CHARTS)[number];

/** A chart's values: any mapping, as Helm takes it. */
export const chartValuesSchema = z.record(z.string(), z.unknown(), {
    error: "allowed: a mapping of the chart's values, as in its values.yaml. Fix: e.g. { pilot: { traceSampling: 1.0 } }",
});

export const valuesSchema = z.strictObject(Object.fromEntries(CHARTS.map((chart) => [chart, chartValuesSchema.optional()])) as {
    [K in ChartName]: z.ZodOptional<typeof chartValuesSchema>;
});
export type ValuesInput = z.infer<typeof valuesSchema>;

/** Values of Istio's charts merged over the stack's own, per chart. */
export interface ValuesConfig {
    /** Values of the `base` chart. @default `{}` */
    readonly base?: Readonly<Record<string, unknown>>;
    /** Values of every revision's `istiod` chart. @default `{}` */
    readonly istiod?: Readonly<Record<string, unknown>>;
    /** Values of the `cni` chart. @default `{}` */
    readonly cni?: Readonly<Record<string, unknown>>;
    /** Values of every `gateway` chart (a gateway's own `values` win). @default `{}` */
    readonly gateway?: Readonly<Record<string, unknown>>;
}

const GLOBAL_DERIVED: Readonly<Record<string, string>> = {
    "global.istioNamespace": "mesh.namespace",
    "global.hub": "mesh.images.hub",
    "global.tag": "mesh.images.tag",
    "global.variant": "mesh.images.variant",
    "global.imagePullSecrets": "mesh.images.pullSecrets",
    "global.platform": "mesh.istio.platform",
    "global.profile": "mesh.istio.profile",
    profile: "mesh.istio.profile",
    platform: "mesh.istio.platform",
};

/**
 * Chart keys the stack derives, by chart, with the typed key to use instead. A key refuses everything below it. In
 * the istiod chart `pilot.<key>` is the same as `<key>` (the chart copies one over the other), and in the cni chart
 * `cni.<key>` is the same as `<key>`: both spellings are refused.
 */
export const DERIVED_CHART_KEYS: Readonly<Record<ChartName, Readonly<Record<string, string>>>> = {
    base: {
        ...GLOBAL_DERIVED,
        defaultRevision: "mesh.istio.tags.default",
        "base.validationFailurePolicy": "mesh.webhooks.validationFailurePolicy",
        revision: "mesh.istio.revisions",
    },
    istiod: {
        ...GLOBAL_DERIVED,
        revision: "mesh.istio.revisions[].name",
        revisionTags: "mesh.istio.tags",
        "global.meshID": "mesh.multiCluster.meshId",
        "global.network": "mesh.multiCluster.network",
        "global.multiCluster": "mesh.multiCluster.clusterName",
        "global.pilotCertProvider": "mesh.pki",
        "global.caAddress": "mesh.pki",
        "global.caName": "mesh.pki",
        "global.defaultPodDisruptionBudget": "mesh.istiod.disruptionBudget",
        "global.priorityClassName": "mesh.istiod.priorityClassName",
        "global.logging": "mesh.istiod.logLevel",
        "global.proxy.resources": "mesh.proxy.resources",
        "global.proxy.logLevel": "mesh.proxy.logLevel",
        "global.proxy.componentLogLevel": "mesh.proxy.componentLogLevel",
        meshConfig: "mesh.meshConfig (every MeshConfig field is accepted there)",
        cni: "mesh.interception.mode",
        taint: "mesh.interception.cni.untaint",
        "base.validationFailurePolicy": "mesh.webhooks.validationFailurePolicy",
        "sidecarInjectorWebhook.reinvocationPolicy": "mesh.webhooks.reinvocationPolicy",
        "sidecarInjectorWebhook.neverInjectSelector": "mesh.webhooks.neverInjectPodLabels",
        "sidecarInjectorWebhook.alwaysInjectSelector": "mesh.webhooks.alwaysInjectPodLabels",
        replicaCount: "mesh.istiod.replicas",
        autoscaleEnabled: "mesh.istiod.autoscale.enabled",
        autoscaleMin: "mesh.istiod.autoscale.min",
        autoscaleMax: "mesh.istiod.autoscale.max",
        "cpu.targetAverageUtilization": "mesh.istiod.autoscale.targetCpuUtilization",
        resources: "mesh.istiod.resources",
        pdb: "mesh.istiod.disruptionBudget.minAvailable",
        env: "mesh.istiod.env",
        nodeSelector: "mesh.istiod.nodeSelector",
        tolerations: "mesh.istiod.tolerations",
        affinity: "mesh.istiod.affinity",
        topologySpreadConstraints: "mesh.istiod.topologySpreadConstraints",
        podAnnotations: "mesh.istiod.podAnnotations",
        podLabels: "mesh.istiod.podLabels",
    },
    cni: {
        ...GLOBAL_DERIVED,
        cniBinDir: "mesh.interception.cni.binDir",
        cniConfDir: "mesh.interception.cni.confDir",
        chained: "mesh.interception.cni.chained",
        provider: "mesh.istio.platform",
        excludeNamespaces: "mesh.interception.cni.excludeNamespaces",
        repair: "mesh.interception.cni.repair",
        resources: "mesh.interception.cni.resources",
        affinity: "mesh.interception.cni.affinity",
        tolerations: "mesh.interception.cni.tolerations",
        podAnnotations: "mesh.interception.cni.podAnnotations",
        podLabels: "mesh.interception.cni.podLabels",
    },
    gateway: {
        ...GLOBAL_DERIVED,
        name: "mesh.gateways[].name",
        revision: "mesh.gateways[].tag or revision",
        "service.type": "mesh.gateways[].serviceType",
        "service.ports": "mesh.gateways[].ports",
        "service.annotations": "mesh.gateways[].serviceAnnotations",
        "service.loadBalancerClass": "mesh.gateways[].loadBalancerClass",
        "service.loadBalancerIP": "mesh.gateways[].loadBalancerIP",
        "service.loadBalancerSourceRanges": "mesh.gateways[].loadBalancerSourceRanges",
        "service.externalTrafficPolicy": "mesh.gateways[].externalTrafficPolicy",
        labels: "mesh.gateways[].serviceLabels or podLabels",
        replicaCount: "mesh.gateways[].replicas",
        autoscaling: "mesh.gateways[].autoscale",
        podDisruptionBudget: "mesh.gateways[].disruptionBudget",
        resources: "mesh.gateways[].resources",
        imagePullSecrets: "mesh.images.pullSecrets",
        nodeSelector: "mesh.gateways[].nodeSelector",
        tolerations: "mesh.gateways[].tolerations",
        affinity: "mesh.gateways[].affinity",
        topologySpreadConstraints: "mesh.gateways[].topologySpreadConstraints",
        priorityClassName: "mesh.gateways[].priorityClassName",
        podAnnotations: "mesh.gateways[].podAnnotations",
    },
};

/** The prefix a chart's values may be written under as well (the chart copies it over its top level). */
const SCOPE_PREFIX: Readonly<Partial<Record<ChartName, string>>> = { istiod: "pilot", cni: "cni" };

function leafPaths(value: unknown, prefix: string[] = []): string[][] {
    if (value !== null && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length > 0) {
        return Object.entries(value).flatMap(([key, inner]) => leafPaths(inner, [...prefix, key]));
    }
    return [prefix];
}

/** Problems of one chart's override, at `path` in the configuration. */
export function overrideIssues(chart: ChartName, values: Readonly<Record<string, unknown>>, path: readonly PropertyKey[]): ConfigIssue[] {
    const derived = DERIVED_CHART_KEYS[chart];
    const scope = SCOPE_PREFIX[chart];
    const issues: ConfigIssue[] = [];
    const reported = new Set<string>();
    for (const leaf of leafPaths(values)) {
        // pilot.cni.enabled in the istiod chart is cni.enabled, as the chart reads it.
        const offset = scope !== undefined && leaf[0] === scope && leaf.length > 1 ? 1 : 0;
        const unscoped = leaf.slice(offset);
        for (let length = 1; length <= unscoped.length; length++) {
            const use = derived[unscoped.slice(0, length).join(".")];
            if (use !== undefined) {
                const written = leaf.slice(0, offset + length);
                const text = written.join(".");
                if (!reported.has(text)) {
                    reported.add(text);
                    issues.push({
                        path: [...path, ...written],
                        given: valueAt(values, written),
                        message: `derived by the stack from ${use}, so that its pieces cannot disagree. Fix: remove it and set ${use}`,
                    });
                }
                break;
            }
        }
    }
    return issues;
}

function valueAt(root: unknown, path: readonly string[]): unknown {
    return path.reduce<unknown>((current, key) => (current !== null && typeof current === "object" ? (current as Record<string, unknown>)[key] : undefined), root);
}

function isMapping(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Helm's merge of values: mappings merge key by key, anything else (lists too) is replaced. */
export function deepMerge<T extends object>(base: T, ...overrides: readonly (Readonly<Record<string, unknown>> | undefined)[]): T {
    let result: Record<string, unknown> = { ...(base as Record<string, unknown>) };
    for (const override of overrides) {
        if (override === undefined) {
            continue;
        }
        const merged: Record<string, unknown> = { ...result };
        for (const [key, value] of Object.entries(override)) {
            const current = merged[key];
            merged[key] = isMapping(current) && isMapping(value) ? deepMerge(current, value) : value;
        }
        result = merged;
    }
    return result as T;
}
