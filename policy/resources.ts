/**
 * Finding the facts the rules check in a stack's resources, as the policy engine shows them (type, URN, properties).
 *
 * Istio's charts are Helm v4 Chart components. The engine shows a component's own properties only when it was
 * registered with them, and the Kubernetes provider registers a Chart with none, so the values each chart was
 * rendered with are read where the chart puts them: istiod renders them into its `values[-<revision>]` ConfigMap
 * (data `merged-values`, JSON). Chart properties are read too, when an engine shows them. The rendered workloads
 * (Deployments, DaemonSets) give the images and the gateways.
 */
import type { PolicyResource } from "@pulumi/policy";
import { IstiodValues, PeerAuthenticationFacts } from "./rules";

/** The fields of a policy resource that the rules read; tests build these directly. */
export type StackResource = Pick<PolicyResource, "type" | "name" | "urn" | "props">;

export const CHART_TYPE = "kubernetes:helm.sh/v4:Chart";
export const CONFIG_MAP_TYPE = "kubernetes:core/v1:ConfigMap";
export const DEPLOYMENT_TYPE = "kubernetes:apps/v1:Deployment";
export const DAEMON_SET_TYPE = "kubernetes:apps/v1:DaemonSet";
export const PRIVATE_KEY_TYPE = "tls:index/privateKey:PrivateKey";
const PEER_AUTHENTICATION_TYPE = /^kubernetes:security\.istio\.io\/v1(beta1)?:PeerAuthentication$/;
const VIRTUAL_SERVICE_TYPE = /^kubernetes:networking\.istio\.io\/v1(beta1|alpha3)?:VirtualService$/;

/** Istio's chart names, and the folders of its source tree that hold the same charts. */
const CHART_NAMES = {
    istiod: ["istiod", "istio-discovery"],
    cni: ["cni", "istio-cni"],
    gateway: ["gateway"],
} as const;
export type IstioChart = keyof typeof CHART_NAMES;

type Plain = Record<string, unknown>;

function isPlain(value: unknown): value is Plain {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

function at(value: unknown, ...path: string[]): unknown {
    let current = value;
    for (const key of path) {
        if (!isPlain(current)) {
            return undefined;
        }
        current = current[key];
    }
    return current;
}

function text(value: unknown): string | undefined {
    return typeof value === "string" ? value : undefined;
}

/** `istiod`, `oci://ghcr.io/istio/release/charts/istiod` and `./charts/istio-control/istio-discovery` are istiod. */
export function isIstioChart(chart: unknown, which: IstioChart): boolean {
    const name = text(chart)?.replace(/\/+$/, "").split("/").pop();
    return name !== undefined && (CHART_NAMES[which] as readonly string[]).includes(name);
}

/** Values a chart was rendered with, and where they were read. */
export interface ValuesSource<T> {
    readonly urn: string;
    /** The chart in words, for messages. */
    readonly what: string;
    readonly values: T;
}

/** The values of one kind of Istio chart, from the Chart resources that show their properties. */
export function chartValues(resources: readonly StackResource[], which: IstioChart): ValuesSource<Plain>[] {
    return resources
        .filter((resource) => resource.type === CHART_TYPE && isIstioChart(resource.props.chart, which) && isPlain(resource.props.values))
        .map((resource) => ({
            urn: resource.urn,
            what: `${which} chart ${text(resource.props.name) ?? resource.name}`,
            values: resource.props.values as Plain,
        }));
}

/** The ConfigMap in which Istio's istiod chart records the values it was rendered with. */
function isIstiodValuesConfigMap(resource: StackResource): boolean {
    return (
        resource.type === CONFIG_MAP_TYPE &&
        /^values(-.+)?$/.test(text(at(resource.props, "metadata", "name")) ?? "") &&
        at(resource.props, "metadata", "labels", "app.kubernetes.io/name") === "istiod" &&
        typeof at(resource.props, "data", "merged-values") === "string"
    );
}

function parseJson(source: string): unknown {
    try {
        return JSON.parse(source) as unknown;
    } catch {
        return undefined;
    }
}

/** Every istiod revision's chart values, once per revision: from the chart when shown, else its values ConfigMap. */
export function istiodValues(resources: readonly StackResource[]): ValuesSource<IstiodValues>[] {
    const found = new Map<string, ValuesSource<IstiodValues>>();
    for (const source of chartValues(resources, "istiod")) {
        found.set(text(source.values.revision) ?? "", source);
    }
    for (const resource of resources.filter(isIstiodValuesConfigMap)) {
        const values = parseJson(at(resource.props, "data", "merged-values") as string);
        const revision = text(at(values, "revision")) ?? "";
        if (isPlain(values) && !found.has(revision)) {
            const where = `${text(at(resource.props, "metadata", "namespace")) ?? ""}/${text(at(resource.props, "metadata", "name"))}`;
            found.set(revision, { urn: resource.urn, what: `istiod${revision === "" ? "" : ` revision ${revision}`} (values in ConfigMap ${where})`, values });
        }
    }
    return [...found.values()];
}

/** A workload the rules look at: its kind, name, namespace, pod labels and containers. */
export interface Workload {
    readonly urn: string;
    readonly kind: "Deployment" | "DaemonSet";
    readonly name: string;
    readonly namespace: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly podLabels: Readonly<Record<string, string>>;
    readonly containers: readonly { readonly name: string; readonly image: unknown }[];
}

export function workloads(resources: readonly StackResource[]): Workload[] {
    return resources
        .filter((resource) => resource.type === DEPLOYMENT_TYPE || resource.type === DAEMON_SET_TYPE)
        .map((resource) => {
            const podSpec = at(resource.props, "spec", "template", "spec");
            const containers = [...asList(at(podSpec, "initContainers")), ...asList(at(podSpec, "containers"))].map((container) => ({
                name: text(at(container, "name")) ?? "",
                image: at(container, "image"),
            }));
            return {
                urn: resource.urn,
                kind: resource.type === DEPLOYMENT_TYPE ? ("Deployment" as const) : ("DaemonSet" as const),
                name: text(at(resource.props, "metadata", "name")) ?? resource.name,
                namespace: text(at(resource.props, "metadata", "namespace")) ?? "default",
                labels: stringMap(at(resource.props, "metadata", "labels")),
                podLabels: stringMap(at(resource.props, "spec", "template", "metadata", "labels")),
                containers,
            };
        });
}

function asList(value: unknown): unknown[] {
    return Array.isArray(value) ? value : [];
}

function stringMap(value: unknown): Record<string, string> {
    return isPlain(value) ? Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === "string")) : {};
}

/** istiod's Deployments (Istio labels them app: istiod). */
export function istiodWorkloads(resources: readonly StackResource[]): Workload[] {
    return workloads(resources).filter((workload) => workload.kind === "Deployment" && (workload.labels.app ?? workload.podLabels.app) === "istiod");
}

/** A gateway of Istio's gateway chart: its proxy container's image is `auto`, filled in by the injector. */
function isGatewayWorkload(workload: Workload): boolean {
    return workload.containers.some((container) => container.name === "istio-proxy" && container.image === "auto");
}

/** Hosts that sidecars' traffic is routed to by the stack's VirtualServices. */
function routedHosts(resources: readonly StackResource[]): Set<string> {
    const hosts = new Set<string>();
    for (const resource of resources.filter((candidate) => VIRTUAL_SERVICE_TYPE.test(candidate.type))) {
        for (const protocol of ["http", "tls", "tcp"]) {
            for (const rule of asList(at(resource.props, "spec", protocol))) {
                for (const route of asList(at(rule, "route"))) {
                    const host = text(at(route, "destination", "host"));
                    if (host !== undefined) {
                        hosts.add(host);
                    }
                }
            }
        }
    }
    return hosts;
}

/**
 * The stack's egress gateways, as `namespace/name`: gateways of Istio's gateway chart that the mesh routes traffic to
 * (as egress lock-down does), or that are named as egress gateways (Istio's istio-egressgateway).
 */
export function egressGateways(resources: readonly StackResource[]): string[] {
    const routed = routedHosts(resources);
    const fromWorkloads = workloads(resources)
        .filter(isGatewayWorkload)
        .filter((gateway) => {
            const service = `${gateway.name}.${gateway.namespace}`;
            return gateway.name.includes("egress") || [service, `${service}.svc`, `${service}.svc.cluster.local`].some((host) => routed.has(host));
        })
        .map((gateway) => `${gateway.namespace}/${gateway.name}`);
    const fromCharts = chartValues(resources, "gateway")
        .filter((source) => (text(source.values.name) ?? source.what).includes("egress"))
        .map((source) => source.what);
    return [...new Set([...fromWorkloads, ...fromCharts])];
}

/** The root namespace of the mesh: istiod's meshConfig.rootNamespace, else its namespace, else Istio's default. */
export function rootNamespace(values: readonly ValuesSource<IstiodValues>[], istiods: readonly Workload[]): string {
    for (const { values: chart } of values) {
        const namespace = chart.meshConfig?.rootNamespace ?? chart.global?.istioNamespace;
        if (namespace !== undefined) {
            return namespace;
        }
    }
    return istiods[0]?.namespace ?? "istio-system";
}

/** PeerAuthentications named `default` in a namespace: the mesh-wide one when it is the root namespace. */
export function defaultPeerAuthentications(resources: readonly StackResource[], namespace: string): (PeerAuthenticationFacts & { urn: string })[] {
    return resources
        .filter((resource) => PEER_AUTHENTICATION_TYPE.test(resource.type))
        .map((resource) => ({
            urn: resource.urn,
            name: text(at(resource.props, "metadata", "name")) ?? "",
            namespace: text(at(resource.props, "metadata", "namespace")) ?? "default",
            mode: text(at(resource.props, "spec", "mtls", "mode")),
        }))
        .filter((policy) => policy.name === "default" && policy.namespace === namespace);
}

export function hasPeerAuthentications(resources: readonly StackResource[]): boolean {
    return resources.some((resource) => PEER_AUTHENTICATION_TYPE.test(resource.type));
}
