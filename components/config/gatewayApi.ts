/**
 * The Gateway API as part of the stack (`mesh.gatewayApi`) and gateways declared through it
 * (`mesh.gateways[].gatewayClass`): schema, rules and typed settings with their defaults.
 */
import { z } from "zod";
import { GatewayApiChannel, GATEWAY_API_CHANNELS, BundleVersion, gatewayApiVersionFor } from "../gatewayapi/versions";
import { ConfigIssue } from "./issues";
import { IstioVersion } from "./istioVersion";

/** Istio's class for gateways that istiod deploys. */
export const ISTIO_GATEWAY_CLASS = "istio";

export const CRD_MODES = ["managed", "external", "none"] as const;
export type CrdMode = (typeof CRD_MODES)[number];

/** The Gateway API CRDs: applied by the stack, managed by another owner, or not used. */
export interface GatewayApiConfig {
    /**
     * `managed`: applied server-side before istiod at the version the newest revision builds against, never
     * downgraded; `external`: checked against istiod's minimums; `none`: not used.
     * @default `managed` when ambient mode, a waypoint or a Gateway API gateway needs them, else `none`
     */
    readonly crds?: CrdMode;
    /** `experimental` on purpose only. @default `standard` (Istio's documented install) */
    readonly channel?: GatewayApiChannel;
    /** A path or URL of the release manifest, for air-gapped clusters. @default the official release manifest */
    readonly manifest?: string;
}

export const gatewayApiSchema = z.strictObject({
    crds: z.enum(CRD_MODES).optional(),
    channel: z.enum(GATEWAY_API_CHANNELS).optional(),
    manifest: z
        .string()
        .min(1, { error: "allowed: a path or an https:// URL of a Gateway API release manifest. Fix: e.g. ./gateway-api/standard-install.yaml" })
        .optional(),
});

/** The key a gateway entry gets: a Gateway API Gateway of this class, which istiod deploys, instead of Istio's chart. */
export const gatewayClassField = {
    gatewayClass: z
        .enum([ISTIO_GATEWAY_CLASS], {
            error: 'allowed: "istio" (istiod deploys the gateway; the east-west class belongs to multi-cluster). Fix: gatewayClass: istio',
        })
        .optional(),
};

/** Keys of Istio's gateway chart that a gateway istiod deploys does not read. */
const CHART_ONLY_KEYS = [
    "ports",
    "replicas",
    "autoscale",
    "disruptionBudget",
    "resources",
    "serviceLabels",
    "loadBalancerClass",
    "loadBalancerIP",
    "loadBalancerSourceRanges",
    "externalTrafficPolicy",
    "values",
    "nodeSelector",
    "tolerations",
    "affinity",
    "topologySpreadConstraints",
    "priorityClassName",
    "podAnnotations",
    "podLabels",
] as const;

type GatewayApiInput = z.infer<typeof gatewayApiSchema>;

export interface GatewayApiView {
    readonly gatewayApi?: GatewayApiInput;
    readonly dataPlane?: { readonly mode?: string };
    readonly namespaces?: readonly { readonly waypoint?: unknown }[];
    readonly gateways?: readonly ({ readonly name: string; readonly kind: string; readonly gatewayClass?: string } & Partial<Record<(typeof CHART_ONLY_KEYS)[number], unknown>>)[];
}

/** Whether anything the stack declares needs the Gateway API: ambient mode, a waypoint, or a Gateway API gateway. */
export function needsGatewayApi(view: GatewayApiView): boolean {
    return (
        view.dataPlane?.mode === "ambient" ||
        (view.namespaces ?? []).some((namespace) => namespace.waypoint !== undefined) ||
        (view.gateways ?? []).some((gateway) => gateway.gatewayClass !== undefined)
    );
}

export function gatewayApiIssues(view: GatewayApiView): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    const crds = view.gatewayApi?.crds;
    const declaresObjects =
        (view.namespaces ?? []).some((namespace) => namespace.waypoint !== undefined) ||
        (view.gateways ?? []).some((gateway) => gateway.gatewayClass !== undefined);
    if (crds === "none" && declaresObjects) {
        issues.push({
            path: ["gatewayApi", "crds"],
            given: "none",
            message:
                "the stack declares waypoints or Gateway API gateways, which need the Gateway API CRDs. Fix: remove the " +
                'key (the stack manages them), or set "external" when another owner installs them',
        });
    }
    const managed = crds === undefined ? needsGatewayApi(view) : crds === "managed";
    if (!managed) {
        for (const key of ["manifest", "channel"] as const) {
            if (view.gatewayApi?.[key] !== undefined) {
                issues.push({
                    path: ["gatewayApi", key],
                    given: view.gatewayApi[key],
                    message: `read only when the stack manages the CRDs (gatewayApi.crds: managed). Fix: remove gatewayApi.${key}`,
                });
            }
        }
    }
    (view.gateways ?? []).forEach((gateway, index) => {
        if (gateway.gatewayClass === undefined) {
            return;
        }
        if (gateway.kind !== "ingress") {
            issues.push({
                path: ["gateways", index, "gatewayClass"],
                given: gateway.gatewayClass,
                message: `gateway "${gateway.name}": only ingress gateways are declared through the Gateway API here; egress goes through Istio's chart. Fix: remove gatewayClass`,
            });
        }
        for (const key of CHART_ONLY_KEYS) {
            if (gateway[key] !== undefined) {
                issues.push({
                    path: ["gateways", index, key],
                    given: gateway[key],
                    message:
                        `gateway "${gateway.name}" is deployed by istiod (gatewayClass), which does not read ${key} (a value of ` +
                        "Istio's gateway chart). Fix: remove it, or remove gatewayClass to deploy the gateway with the chart",
                });
            }
        }
    });
    return issues;
}

export type GatewayApiSettings =
    | { readonly crds: "none" }
    | { readonly crds: "external" }
    | { readonly crds: "managed"; readonly version: BundleVersion; readonly channel: GatewayApiChannel; readonly manifest?: string };

/**
 * Managed by default whenever something needs the CRDs, at the version the newest revision builds against (newer
 * CRDs serve older istiods; a canary needs its own); nothing otherwise, so sidecar stacks are unchanged.
 */
export function toGatewayApiSettings(view: GatewayApiView, newestRevision: IstioVersion): GatewayApiSettings {
    const crds: CrdMode = view.gatewayApi?.crds ?? (needsGatewayApi(view) ? "managed" : "none");
    if (crds !== "managed") {
        return { crds };
    }
    return {
        crds,
        version: gatewayApiVersionFor(newestRevision),
        // Istio's documented install: the standard channel; experimental only on purpose.
        channel: view.gatewayApi?.channel ?? "standard",
        ...(view.gatewayApi?.manifest !== undefined ? { manifest: view.gatewayApi.manifest } : {}),
    };
}
