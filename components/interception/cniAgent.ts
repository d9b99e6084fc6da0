/**
 * The Istio CNI node agent (a DaemonSet from Istio's `cni` chart), in CNI interception mode.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { chartReference } from "../charts/chartReference";
import { ChartSource } from "../config/controlPlane";
import { CniSettings } from "../config/interception";
import { IstioVersion } from "../config/istioVersion";
import { CniImage, cniValues } from "./values";

export interface CniAgentArgs {
    readonly cni: CniSettings;
    /** The cni chart's release (the newest revision's) and where charts come from. */
    readonly chart: { readonly version: IstioVersion; readonly source: ChartSource };
    readonly image: CniImage;
    /** Values of the cni chart merged over the stack's own (the configuration's values.cni). */
    readonly values?: Readonly<Record<string, unknown>>;
    /** Ambient mode: the agent runs with Istio's ambient profile. */
    readonly ambient?: boolean;
    /** The Istio namespace: its name, and its Output from the control plane (when the agent runs there). */
    readonly istioNamespace: { readonly name: string; readonly output: pulumi.Input<string> };
}

export class CniAgent extends pulumi.ComponentResource {
    static readonly __pulumiType = "mesh:istio:CniAgent";

    static isInstance(obj: unknown): obj is CniAgent {
        return obj instanceof CniAgent;
    }

    /** The chart, ready once the DaemonSet's pods are; gateways and workloads depend on it. */
    readonly chart: k8s.helm.v4.Chart;
    readonly namespace: pulumi.Output<string>;
    /** The namespace's name, known before anything is applied. */
    readonly namespaceName: string;

    constructor(name: string, args: CniAgentArgs, opts?: pulumi.ComponentResourceOptions) {
        super(CniAgent.__pulumiType, name, {}, opts);
        const { cni } = args;
        // kube-system already exists; any other namespace than Istio's is made here.
        const namespace = this.namespaceFor(name, cni.namespace, args.istioNamespace.name, args.istioNamespace.output);
        this.namespace = pulumi.output(namespace);
        this.namespaceName = cni.namespace;
        this.chart = new k8s.helm.v4.Chart(
            name,
            {
                ...chartReference("cni", args.chart.version, args.chart.source),
                name: "istio-cni",
                namespace,
                values: cniValues(cni, args.image, args.values, args.ambient ?? false),
            },
            { parent: this },
        );
        this.registerOutputs({ namespace: this.namespace });
    }

    /** Istio's namespace and kube-system exist already; any other is made here. */
    private namespaceFor(name: string, wanted: string, istioNamespace: string, istioNamespaceOutput: pulumi.Input<string>): pulumi.Input<string> {
        if (wanted === istioNamespace) {
            return istioNamespaceOutput;
        }
        if (wanted === "kube-system") {
            return wanted;
        }
        return new k8s.core.v1.Namespace(`${name}-namespace`, { metadata: { name: wanted } }, { parent: this }).metadata.name;
    }
}
