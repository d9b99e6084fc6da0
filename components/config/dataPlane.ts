/**
 * The data-plane mode (`mesh.dataPlane`) and ambient enrollment (`mesh.namespaces[].dataplane`, `.waypoint`): the
 * schema of each key, the rules between them and the other sections, and the typed settings with their defaults.
 *
 * Sidecar mode is Istio's classic data plane (an Envoy in every pod). Ambient mode adds ztunnel on every node and the
 * CNI agent in ambient mode; namespaces then join without sidecars (istio.io/dataplane-mode=ambient), with optional
 * waypoint proxies for L7. Sidecar and ambient namespaces may coexist in one ambient mesh, as Istio allows.
 */
import { z } from "zod";
import { ConfigIssue } from "./issues";
import { dns1123Label, ResourceRequirements, ResourcesConfig, resourcesSchema } from "./primitives";

/** The data plane: sidecars, or ambient (ztunnel on every node, the CNI agent in ambient mode). */
export interface DataPlaneConfig {
    /**
     * `ambient` installs istiod with Istio's `ambient` profile, the CNI agent in ambient mode and Istio's `ztunnel`
     * chart; interception then defaults to `cni`, and `init` is an error. @default `sidecar`
     */
    readonly mode?: DataPlaneMode;
    readonly ztunnel?: {
        /** Istio's ambient platform prerequisites. @default kube-system on OpenShift, else the CNI agent's namespace */
        readonly namespace?: string;
        /** Istio's chart requests. @default requests `200m`, `512Mi` */
        readonly resources?: ResourcesConfig;
    };
}

/** A namespace's waypoint proxy: a Gateway of class `istio-waypoint`, deployed by istiod. */
export interface WaypointConfig {
    /** The Gateway's name. @default `waypoint` (istioctl's) */
    readonly name?: string;
    /** The traffic it handles (`istio.io/waypoint-for`): `service`, `workload` or `all`. @default `service` (Istio's) */
    readonly for?: WaypointTraffic;
    /**
     * Existing Services labeled `istio.io/use-waypoint`; without them the namespace is.
     * @default `[]` (the whole namespace uses it)
     */
    readonly services?: readonly string[];
}

export const DATA_PLANE_MODES = ["sidecar", "ambient"] as const;

/** Which traffic a waypoint handles (its istio.io/waypoint-for label); Istio's default is service. */
export const WAYPOINT_TRAFFIC = ["service", "workload", "all"] as const;
export type WaypointTraffic = (typeof WAYPOINT_TRAFFIC)[number];
export type DataPlaneMode = (typeof DATA_PLANE_MODES)[number];

export const dataPlaneSchema = z.strictObject({
    mode: z.enum(DATA_PLANE_MODES).optional(),
    ztunnel: z
        .strictObject({
            namespace: dns1123Label("kube-system").optional(),
            resources: resourcesSchema.optional(),
        })
        .optional(),
});

export const waypointSchema = z.strictObject({
    name: dns1123Label("waypoint").optional(),
    for: z.enum(WAYPOINT_TRAFFIC).optional(),
    services: z.array(dns1123Label("reviews")).optional(),
});

/** The keys a namespace entry gets for ambient enrollment. */
export const namespaceDataPlaneFields = {
    dataplane: z.enum(DATA_PLANE_MODES).optional(),
    waypoint: waypointSchema.optional(),
};

type DataPlaneInput = z.infer<typeof dataPlaneSchema>;
type WaypointInput = z.infer<typeof waypointSchema>;

/** What the rules and defaults read of the rest of the configuration. */
export interface DataPlaneView {
    readonly dataPlane?: DataPlaneInput;
    readonly interception?: { readonly mode?: string; readonly cni?: { readonly namespace?: string } };
    readonly istio?: { readonly profile?: string; readonly platform?: string };
    readonly namespaces?: readonly { readonly name: string; readonly dataplane?: DataPlaneMode; readonly waypoint?: WaypointInput }[];
}

export function dataPlaneIssues(view: DataPlaneView): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    const mode = view.dataPlane?.mode ?? "sidecar";
    if (mode === "ambient" && view.interception?.mode === "init") {
        issues.push({
            path: ["interception", "mode"],
            given: "init",
            message:
                "ambient mode needs the Istio CNI agent: it is what hands each ambient pod's traffic to ztunnel, and " +
                "istio-init (a sidecar's init container) never runs in ambient pods. Fix: set interception.mode to " +
                '"cni", or remove it (ambient mode defaults to cni)',
        });
    }
    if (mode === "ambient" && view.istio?.profile !== undefined && view.istio.profile !== "default") {
        issues.push({
            path: ["istio", "profile"],
            given: view.istio.profile,
            message:
                "ambient mode installs istiod and the CNI agent with Istio's ambient profile, and a chart takes one " +
                "profile. Fix: remove istio.profile",
        });
    }
    if (mode === "sidecar" && view.dataPlane?.ztunnel !== undefined) {
        issues.push({
            path: ["dataPlane", "ztunnel"],
            given: view.dataPlane.ztunnel,
            message: 'read only in ambient mode. Fix: set dataPlane.mode to "ambient", or remove dataPlane.ztunnel',
        });
    }
    (view.namespaces ?? []).forEach((namespace, index) => {
        const dataplane = namespace.dataplane ?? mode;
        if (dataplane === "ambient" && mode === "sidecar") {
            issues.push({
                path: ["namespaces", index, "dataplane"],
                given: "ambient",
                message:
                    `namespace "${namespace.name}" joins the ambient data plane, but the mesh runs in sidecar mode (no ` +
                    'ztunnel). Fix: set dataPlane.mode to "ambient" (sidecar namespaces keep working), or remove the key',
            });
        }
        if (namespace.waypoint !== undefined && dataplane !== "ambient") {
            issues.push({
                path: ["namespaces", index, "waypoint"],
                given: namespace.waypoint,
                message: `waypoints serve ambient namespaces; "${namespace.name}" uses sidecars. Fix: set its dataplane to "ambient", or remove the waypoint`,
            });
        }
    });
    return issues;
}

export interface ZtunnelSettings {
    readonly namespace: string;
    readonly resources: ResourceRequirements;
}

export type DataPlaneSettings =
    | { readonly mode: "sidecar" }
    | { readonly mode: "ambient"; readonly ztunnel: ZtunnelSettings };

/**
 * ztunnel's namespace: OpenShift's is kube-system (Istio's platform prerequisites); elsewhere beside the CNI agent,
 * which is beside istiod unless configured.
 */
export function toDataPlaneSettings(view: DataPlaneView, istioNamespace: string): DataPlaneSettings {
    const mode = view.dataPlane?.mode ?? "sidecar";
    if (mode === "sidecar") {
        return { mode };
    }
    const platformNamespace = view.istio?.platform === "openshift" ? "kube-system" : undefined;
    return {
        mode,
        ztunnel: {
            namespace: view.dataPlane?.ztunnel?.namespace ?? view.interception?.cni?.namespace ?? platformNamespace ?? istioNamespace,
            // The chart's request: ztunnel carries every ambient pod's traffic on its node.
            resources: view.dataPlane?.ztunnel?.resources ?? { requests: { cpu: "200m", memory: "512Mi" } },
        },
    };
}

export interface WaypointSettings {
    readonly name: string;
    readonly trafficType: WaypointTraffic;
    /** Services that use it; empty: the whole namespace does (its istio.io/use-waypoint label). */
    readonly services: readonly string[];
}

/** The namespace's data plane and waypoint: by default the mesh's mode; a waypoint for services, named "waypoint". */
export function toNamespaceDataPlane(
    namespace: { readonly dataplane?: DataPlaneMode; readonly waypoint?: WaypointInput },
    meshMode: DataPlaneMode,
): { dataplane: DataPlaneMode; waypoint?: WaypointSettings } {
    const dataplane = namespace.dataplane ?? meshMode;
    const waypoint = namespace.waypoint;
    return {
        dataplane,
        ...(waypoint !== undefined
            ? {
                  waypoint: {
                      // istioctl's default name.
                      name: waypoint.name ?? "waypoint",
                      // Istio's default: a waypoint handles traffic addressed to services.
                      trafficType: waypoint.for ?? "service",
                      services: waypoint.services ?? [],
                  },
              }
            : {}),
    };
}
