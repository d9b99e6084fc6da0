/**
 * This cluster's network gateway: its namespace, Istio's `gateway` chart as a network gateway, and the
 * `cross-network-gateway` that exposes this network's services to the others (eastWestValues.ts).
 *
 * The Service's load balancer address is what other networks dial; istiod finds it on the Service (labeled with the
 * network). The provider does not wait for it (a cluster without a load balancer implementation never assigns one,
 * and the wait would fail the up after 10 minutes): `npm run verify` checks it and says when there is none.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { chartReference } from "../charts/chartReference";
import { ChartSource } from "../config/controlPlane";
import { IstioVersion } from "../config/istioVersion";
import { EastWestGatewaySettings } from "../config/multiCluster";
import { istioResource } from "../gateways/gateway";
import { skipServiceAwaitTransform } from "../readiness/serviceAwait";
import { crossNetworkGatewayObject, eastWestGatewayValues } from "./eastWestValues";

export interface EastWestGatewayArgs {
    readonly gateway: EastWestGatewaySettings;
    /** The gateway chart's release (the newest revision's) and where charts come from. */
    readonly chart: { readonly version: IstioVersion; readonly source: ChartSource };
    readonly pullSecrets: readonly string[];
    /** Istio's CRDs (the base chart): the Gateway object depends on it. */
    readonly crds: pulumi.Input<pulumi.Resource>;
}

export class EastWestGateway extends pulumi.ComponentResource {
    static readonly __pulumiType = "mesh:multicluster:EastWestGateway";

    static isInstance(obj: unknown): obj is EastWestGateway {
        return obj instanceof EastWestGateway;
    }

    readonly namespace: pulumi.Output<string>;
    /** `<namespace>/<name>`. */
    readonly serviceName: pulumi.Output<string>;
    /** The load balancer's address once the cluster gives one; "" otherwise. */
    readonly externalAddress: pulumi.Output<string>;
    readonly chart: k8s.helm.v4.Chart;

    /** Pass what the injector needs in `dependsOn` (the readiness gate): the gateway is an injected proxy. */
    constructor(name: string, args: EastWestGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
        super(EastWestGateway.__pulumiType, name, {}, opts);
        const { gateway } = args;
        this.namespace = new k8s.core.v1.Namespace(
            `${name}-namespace`,
            { metadata: { name: gateway.namespace, labels: { "app.kubernetes.io/part-of": "istio" } } },
            { parent: this },
        ).metadata.name;
        this.chart = new k8s.helm.v4.Chart(
            name,
            {
                ...chartReference("gateway", args.chart.version, args.chart.source),
                name: gateway.name,
                namespace: this.namespace,
                values: eastWestGatewayValues(gateway, args.pullSecrets),
            },
            { parent: this, transforms: [skipServiceAwaitTransform] },
        );
        this.serviceName = pulumi.interpolate`${this.namespace}/${gateway.name}`;
        const service = this.chart.resources.apply((resources) =>
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
        istioResource(`${name}-cross-network`, crossNetworkGatewayObject(gateway.namespace), {
            parent: this,
            dependsOn: [this.chart, args.crds],
        });
        this.registerOutputs({ serviceName: this.serviceName, externalAddress: this.externalAddress });
    }
}
