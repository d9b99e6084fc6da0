/**
 * Egress lock-down: the allowed external hosts, routed through the egress gateway (see egressRules.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import { AllowedHost } from "../config/gateways";
import { EgressGatewayRef, egressObjects } from "./egressRules";
import { istioResource } from "./gateway";

export interface EgressLockdownArgs {
    readonly gateway: EgressGatewayRef;
    readonly allowedHosts: readonly AllowedHost[];
}

export class EgressLockdown extends pulumi.ComponentResource {
    static readonly __pulumiType = "mesh:istio:EgressLockdown";

    static isInstance(obj: unknown): obj is EgressLockdown {
        return obj instanceof EgressLockdown;
    }

    readonly allowedHosts: string[];

    /** Pass Istio's CRDs and the egress gateway in `dependsOn`. */
    constructor(name: string, args: EgressLockdownArgs, opts?: pulumi.ComponentResourceOptions) {
        super(EgressLockdown.__pulumiType, name, {}, opts);
        for (const allowed of args.allowedHosts) {
            for (const object of egressObjects(args.gateway, allowed)) {
                istioResource(`${name}-${object.kind.toLowerCase()}-${object.name}`, object, { parent: this });
            }
        }
        this.allowedHosts = args.allowedHosts.map((allowed) => `${allowed.host}:${allowed.port}`);
        this.registerOutputs({ allowedHosts: this.allowedHosts });
    }
}
