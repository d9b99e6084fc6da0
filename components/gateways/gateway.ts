/**
 * One ingress or egress gateway: its namespace, Istio's `gateway` chart and, for ingress, the Istio Gateway that
 * serves its hosts.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { chartReference } from "../charts/chartReference";
import { ChartSource } from "../config/controlPlane";
import { GatewaySettings } from "../config/gateways";
import { IstioVersion } from "../config/istioVersion";
import { IstioObject, ingressGatewayObject } from "./egressRules";
import { gatewayValues } from "./values";

export interface GatewayArgs {
    readonly gateway: GatewaySettings;
    /**
     * The gateway's namespace, as the Output of the Namespace that holds it: one Namespace per namespace, shared by
     * every gateway there (and by the enrolled namespace of that name).
     */
    readonly namespace: pulumi.Input<string>;
    /** The gateway chart's release (the newest revision's) and where charts come from. */
    readonly chart: { readonly version: IstioVersion; readonly source: ChartSource };
    /** Image pull secrets of the mesh. */
    readonly pullSecrets: readonly string[];
    /** Values of every gateway chart merged over the stack's own (the configuration's values.gateway). */
    readonly values?: Readonly<Record<string, unknown>>;
    /** Istio's CRDs (the base chart): Istio resources made here depend on it. */
    readonly crds: pulumi.Input<pulumi.Resource>;
}

/** Registers one Istio custom resource from its spec. */
export function istioResource(
    name: string,
    object: IstioObject,
    opts: pulumi.CustomResourceOptions,
): k8s.apiextensions.CustomResource {
    return new k8s.apiextensions.CustomResource(
        name,
        { apiVersion: object.apiVersion, kind: object.kind, metadata: { name: object.name, namespace: object.namespace }, spec: object.spec },
        opts,
    );
}

export class Gateway extends pulumi.ComponentResource {
    static readonly __pulumiType = "mesh:istio:Gateway";

    static isInstance(obj: unknown): obj is Gateway {
        return obj instanceof Gateway;
    }

    readonly namespace: pulumi.Output<string>;
    /** The gateway's Service, `<namespace>/<name>`. */
    readonly serviceName: pulumi.Output<string>;
    /** The load balancer's address, once the cluster gives one; "" otherwise. */
    readonly externalAddress: pulumi.Output<string>;
    readonly chart: k8s.helm.v4.Chart;

    /** Pass the control plane (and the CNI agent in CNI mode) in `dependsOn`: the injector must serve first. */
    constructor(name: string, args: GatewayArgs, opts?: pulumi.ComponentResourceOptions) {
        super(Gateway.__pulumiType, name, {}, opts);
        const { gateway } = args;

        this.namespace = pulumi.output(args.namespace);
        this.chart = new k8s.helm.v4.Chart(
            name,
            {
                ...chartReference("gateway", args.chart.version, args.chart.source),
                name: gateway.name,
                namespace: this.namespace,
                values: gatewayValues(gateway, args.pullSecrets, args.values),
            },
            { parent: this },
        );
        this.serviceName = pulumi.interpolate`${this.namespace}/${gateway.name}`;

        // The Service the chart made, read back for its load balancer's address.
        const service = this.chart.resources.apply((resources) =>
            // Unknown until the chart is rendered (and empty under test mocks).
            (resources ?? []).find((resource): resource is k8s.core.v1.Service => k8s.core.v1.Service.isInstance(resource)),
        );
        this.externalAddress = service.apply((found) =>
            found === undefined
                ? pulumi.output("")
                : found.status.apply((status) => {
                      const ingress = status?.loadBalancer?.ingress?.[0];
                      return ingress?.ip ?? ingress?.hostname ?? "";
                  }),
        );

        if (gateway.kind === "ingress" && gateway.hosts.length > 0) {
            istioResource(`${name}-hosts`, ingressGatewayObject({ name: gateway.name, namespace: gateway.namespace }, gateway.hosts), {
                parent: this,
                dependsOn: [this.chart, args.crds],
            });
        }
        this.registerOutputs({ serviceName: this.serviceName, externalAddress: this.externalAddress });
    }
}
