/**
 * A waypoint proxy of an ambient namespace: a Gateway of class `istio-waypoint`, which istiod deploys, and the
 * `istio.io/use-waypoint` label that sends traffic through it, on the namespace (see enrollment) or on chosen Services.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { gatewayApiResource } from "../gatewayapi/gateway";
import type { WaypointTraffic } from "../config/dataPlane";
import { USE_WAYPOINT_LABEL, waypointObject } from "../gatewayapi/objects";

export interface WaypointArgs {
    readonly name: string;
    readonly namespace: string;
    /** The namespace's Output (the enrolled Namespace or its patch): the waypoint and its labels come after it. */
    readonly namespaceOutput: pulumi.Input<string>;
    readonly trafficType: WaypointTraffic;
    /** istio.io/rev of the waypoint; undefined follows the default tag. */
    readonly revision?: string;
    /**
     * Services (existing, in the namespace) that use the waypoint; empty: the namespace's label sends every Service
     * through it, and this list is not needed.
     */
    readonly services: readonly string[];
}

export class Waypoint extends pulumi.ComponentResource {
    static readonly __pulumiType = "mesh:ambient:Waypoint";

    static isInstance(obj: unknown): obj is Waypoint {
        return obj instanceof Waypoint;
    }

    readonly gateway: k8s.apiextensions.CustomResource;

    /** Pass the Gateway API CRDs, istiod and ztunnel in `dependsOn`. */
    constructor(name: string, args: WaypointArgs, opts?: pulumi.ComponentResourceOptions) {
        super(Waypoint.__pulumiType, name, {}, opts);
        this.gateway = gatewayApiResource(
            name,
            waypointObject({ name: args.name, namespace: args.namespace, trafficType: args.trafficType, revision: args.revision }),
            args.namespaceOutput,
            { parent: this },
        );
        for (const service of args.services) {
            // A patch owns only the label: a destroy removes it and leaves the Service.
            new k8s.core.v1.ServicePatch(
                `${name}-use-${service}`,
                { metadata: { name: service, namespace: args.namespace, labels: { [USE_WAYPOINT_LABEL]: args.name } } },
                { parent: this, dependsOn: [this.gateway] },
            );
        }
        this.registerOutputs({});
    }
}
