/**
 * An ingress gateway declared through the Gateway API: its namespace and a `Gateway` of class `istio`. istiod
 * deploys it (a Deployment and a Service named `<name>-istio`) and keeps them in line with the Gateway.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { GatewayApiObject } from "./objects";

export interface GatewayApiGatewayArgs {
    /** The Gateway (ingressGatewayApiObject()). */
    readonly gateway: GatewayApiObject;
    /** Whether the stack creates the gateway's namespace (false when another object of the stack makes it). */
    readonly createNamespace: boolean;
}

/** Registers one Gateway API object. */
export function gatewayApiResource(name: string, object: GatewayApiObject, opts: pulumi.CustomResourceOptions): k8s.apiextensions.CustomResource {
    return new k8s.apiextensions.CustomResource(
        name,
        // status: not applied (undefined), but read back, so the Gateway's addresses become an output.
        { apiVersion: object.apiVersion, kind: object.kind, metadata: object.metadata, spec: object.spec, status: undefined },
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
        const dependsOn: pulumi.Resource[] = [];
        if (args.createNamespace) {
            dependsOn.push(
                new k8s.core.v1.Namespace(
                    `${name}-namespace`,
                    { metadata: { name: metadata.namespace, labels: { "app.kubernetes.io/part-of": "istio" } } },
                    { parent: this },
                ),
            );
        }
        this.resource = gatewayApiResource(name, args.gateway, { parent: this, dependsOn });
        this.serviceName = pulumi.output(`${metadata.namespace}/${metadata.name}-${args.gateway.spec.gatewayClassName}`);
        const status = (this.resource as unknown as Record<string, unknown>)["status"] as pulumi.Output<{ addresses?: { value?: string }[] } | undefined> | undefined;
        this.externalAddress = status === undefined ? pulumi.output("") : status.apply((value) => value?.addresses?.[0]?.value ?? "");
        this.registerOutputs({ serviceName: this.serviceName, externalAddress: this.externalAddress });
    }
}
