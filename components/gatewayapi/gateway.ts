/**
 * An ingress gateway declared through the Gateway API: a `Gateway` of class `istio`. istiod
 * deploys it (a Deployment and a Service named `<name>-istio`) and keeps them in line with the Gateway.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { GatewayApiObject } from "./objects";

export interface GatewayApiGatewayArgs {
    /** The Gateway (ingressGatewayApiObject()). */
    readonly gateway: GatewayApiObject;
    /** The gateway's namespace, as the Output of the Namespace that holds it (shared by the gateways there). */
    readonly namespace: pulumi.Input<string>;
}

/**
 * Registers one Gateway API object; `namespace`, the Output of its Namespace, orders it after the Namespace. Its
 * status is not applied but read back, so the Gateway's addresses become an output.
 */
export function gatewayApiResource(
    name: string,
    object: GatewayApiObject,
    namespace: pulumi.Input<string>,
    opts: pulumi.CustomResourceOptions,
): k8s.apiextensions.CustomResource {
    return new k8s.apiextensions.CustomResource(
        name,
        { apiVersion: object.apiVersion, kind: object.kind, metadata: { ...object.metadata, namespace }, spec: object.spec, status: undefined },
        opts,
    );
}

export class GatewayApiGateway extends pulumi.ComponentResource {
    static readonly __pulumiType = "mesh:gatewayapi:Gateway";

    static isInstance(obj: unknown): obj is GatewayApiGateway {
        return obj instanceof GatewayApiGateway;
    }

    readonly resource: k8s.apiextensions.CustomResource;
    /** The Service istiod makes for the gateway, `<namespace>/<name>-istio`. */
    readonly serviceName: pulumi.Output<string>;
    /** The first address in the Gateway's status, once istiod programs it; "" before. */
    readonly externalAddress: pulumi.Output<string>;

    /** Pass the Gateway API CRDs and istiod in `dependsOn`. */
    constructor(name: string, args: GatewayApiGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
        super(GatewayApiGateway.__pulumiType, name, {}, opts);
        const { metadata } = args.gateway;
        this.resource = gatewayApiResource(name, args.gateway, args.namespace, { parent: this });
        this.serviceName = pulumi.output(`${metadata.namespace}/${metadata.name}-${args.gateway.spec.gatewayClassName}`);
        const status = (this.resource as unknown as Record<string, unknown>)["status"] as pulumi.Output<{ addresses?: { value?: string }[] } | undefined> | undefined;
        this.externalAddress = status === undefined ? pulumi.output("") : status.apply((value) => value?.addresses?.[0]?.value ?? "");
        this.registerOutputs({ serviceName: this.serviceName, externalAddress: this.externalAddress });
    }
}
