/**
 * ztunnel, the ambient data plane's node proxy: a DaemonSet from Istio's `ztunnel` chart. Istio has no canary for
 * it; it is upgraded in place, after the istiod it talks to.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ChartReference } from "../charts/chartReference";
import { ZtunnelChartValues } from "./ztunnelValues";

export interface ZtunnelArgs {
    /** Istio's ztunnel chart for the release (chartReference("ztunnel", ...)). */
    readonly chart: ChartReference;
    /** ztunnel's namespace: Istio's, or kube-system where the platform needs it (OpenShift, GKE without a quota). */
    readonly namespace: pulumi.Input<string>;
    /** Whether the namespace is made here (not Istio's, not kube-system, not the CNI agent's). */
    readonly createNamespace: boolean;
    readonly values: ZtunnelChartValues;
}

export class Ztunnel extends pulumi.ComponentResource {
    static readonly __pulumiType = "mesh:istio:Ztunnel";

    static isInstance(obj: unknown): obj is Ztunnel {
        return obj instanceof Ztunnel;
    }

    /** The chart, ready once the DaemonSet's pods are: ambient namespaces and waypoints depend on it. */
    readonly chart: k8s.helm.v4.Chart;
    readonly namespace: pulumi.Output<string>;

    /** Pass istiod and the CNI agent in `dependsOn`: ztunnel starts after both, as Istio's install order says. */
    constructor(name: string, args: ZtunnelArgs, opts?: pulumi.ComponentResourceOptions) {
        super(Ztunnel.__pulumiType, name, {}, opts);
        const namespace = args.createNamespace
            ? new k8s.core.v1.Namespace(`${name}-namespace`, { metadata: { name: args.namespace } }, { parent: this }).metadata.name
            : args.namespace;
        this.namespace = pulumi.output(namespace);
        this.chart = new k8s.helm.v4.Chart(name, { ...args.chart, name: "ztunnel", namespace, values: args.values }, { parent: this });
        this.registerOutputs({ namespace: this.namespace });
    }
}
