/**
 * The whole mesh as one component, composed through one Kubernetes provider, in Istio's order: CRDs, then the CA
 * Secret, then istiod, then the CNI agent, then gateways, enrolled namespaces and mesh policies.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ISTIO_DEFAULT_CLUSTER_NAME } from "./config/pki";
import { MeshSettings } from "./config/settings";
import { ControlPlane } from "./controlplane/controlPlane";
import { enrollmentReport, EnrollmentReport } from "./enrollment/labels";
import { Enrollment } from "./enrollment/enrollment";
import { EgressLockdown } from "./gateways/egressLockdown";
import { Gateway } from "./gateways/gateway";
import { CniAgent } from "./interception/cniAgent";
import { cniImage } from "./interception/values";
import { CertificateAuthority, RootMaterial } from "./pki/certificateAuthority";
import { MeshPolicy } from "./security/meshPolicy";

export interface MeshArgs {
    /** Validated settings, from loadMeshSettings() or parseMeshConfig(). */
    readonly settings: MeshSettings;
    /** Roots given as secret configuration (pki.roots with source: config), by root name. */
    readonly configuredRoots?: pulumi.Input<Record<string, pulumi.Input<RootMaterial>>>;
}

export interface GatewayOutputs {
    readonly serviceName: pulumi.Output<string>;
    readonly externalAddress: pulumi.Output<string>;
}

export class Mesh extends pulumi.ComponentResource {
    static readonly __pulumiType = "mesh:istio:Mesh";

    static isInstance(obj: unknown): obj is Mesh {
        return obj instanceof Mesh;
    }

    readonly version: string;
    readonly revision: string;
    readonly namespace: pulumi.Output<string>;
    readonly trustDomain: string;
    readonly controlPlane: ControlPlane;
    readonly certificateAuthority?: CertificateAuthority;
    readonly cni?: CniAgent;
    /** Namespace -> label, tag and revision. */
    readonly enrollment: Record<string, EnrollmentReport>;
    /** Gateway name -> its Service and external address. */
    readonly gateways: Record<string, GatewayOutputs>;

    /**
     * Pass `providers: { kubernetes: provider }` (or `providers: [provider]`) to use your own Kubernetes provider;
     * otherwise one is made from `settings.cluster` (the current kube context when that is empty).
     */
    constructor(name: string, args: MeshArgs, opts?: pulumi.ComponentResourceOptions) {
        super(Mesh.__pulumiType, name, {}, opts);
        const { settings } = args;

        const childOpts: pulumi.ComponentResourceOptions = { parent: this };
        if (!hasKubernetesProvider(opts)) {
            const provider = new k8s.Provider(
                `${name}-kubernetes`,
                {
                    kubeconfig: settings.cluster.kubeconfig,
                    context: settings.cluster.context,
                    // Update ConfigMaps and Secrets in place. By default a data change replaces them (delete, then
                    // create), and istiod would see its mesh config or its cacerts missing in between: without
                    // cacerts it falls back to a self-signed CA.
                    enableConfigMapMutable: true,
                    enableSecretMutable: true,
                },
                { parent: this },
            );
            childOpts.providers = { kubernetes: provider };
        }

        if (settings.pki.enabled) {
            this.certificateAuthority = new CertificateAuthority(
                `${name}-ca`,
                {
                    settings: settings.pki,
                    istioNamespace: settings.namespace,
                    clusterName: settings.multiCluster.clusterName ?? ISTIO_DEFAULT_CLUSTER_NAME,
                    configuredRoots: args.configuredRoots,
                },
                { parent: this },
            );
        }

        this.controlPlane = new ControlPlane(
            name,
            { settings, pluginCa: this.certificateAuthority?.pluginCa },
            childOpts,
        );
        const controlPlaneReady = [this.controlPlane.base, ...this.controlPlane.ready];

        const interception = settings.interception;
        if (interception.mode === "cni") {
            this.cni = new CniAgent(
                `${name}-cni`,
                {
                    cni: interception.cni,
                    chart: { version: settings.istio.baseVersion, source: settings.charts },
                    image: cniImage(settings.images, settings.istio.baseVersion, settings.istio.platform),
                    istioNamespace: { name: settings.namespace, output: this.controlPlane.namespace },
                },
                { ...childOpts, dependsOn: controlPlaneReady },
            );
        }
        // Pods must find the injector serving and, in CNI mode, the node agent ready.
        const podsMayStart = this.cni ? [...controlPlaneReady, this.cni.chart] : controlPlaneReady;

        new MeshPolicy(
            `${name}-policy`,
            { rootNamespace: this.controlPlane.namespace, mtlsMode: settings.mtls.mode },
            { ...childOpts, dependsOn: controlPlaneReady },
        );

        if (settings.namespaces.length > 0) {
            new Enrollment(`${name}-enrollment`, { namespaces: settings.namespaces }, { ...childOpts, dependsOn: podsMayStart });
        }
        this.enrollment = enrollmentReport(settings.namespaces, settings.istio.tags);

        const gateways: Record<string, Gateway> = {};
        for (const gateway of settings.gateways) {
            gateways[gateway.name] = new Gateway(
                `${name}-gateway-${gateway.name}`,
                {
                    gateway,
                    chart: { version: settings.istio.baseVersion, source: settings.charts },
                    pullSecrets: settings.images.pullSecrets,
                    crds: this.controlPlane.base,
                },
                { ...childOpts, dependsOn: podsMayStart },
            );
        }
        this.gateways = Object.fromEntries(
            Object.entries(gateways).map(([gatewayName, gateway]) => [
                gatewayName,
                { serviceName: gateway.serviceName, externalAddress: gateway.externalAddress },
            ]),
        );

        const egress = settings.egress;
        if (egress.gateway !== undefined && egress.allowedHosts.length > 0) {
            const exit = settings.gateways.find((gateway) => gateway.name === egress.gateway)!;
            new EgressLockdown(
                `${name}-egress`,
                { gateway: { name: exit.name, namespace: exit.namespace }, allowedHosts: egress.allowedHosts },
                { ...childOpts, dependsOn: [...controlPlaneReady, gateways[exit.name]] },
            );
        }

        this.version = settings.istio.version.text;
        this.revision = settings.istio.revision;
        this.namespace = this.controlPlane.namespace;
        this.trustDomain = settings.meshConfig.trustDomain;

        this.registerOutputs({
            version: this.version,
            revision: this.revision,
            namespace: this.namespace,
            trustDomain: this.trustDomain,
            enrollment: this.enrollment,
        });
    }
}

function hasKubernetesProvider(opts: pulumi.ComponentResourceOptions | undefined): boolean {
    const providers = opts?.providers;
    if (providers === undefined) {
        return opts?.provider !== undefined;
    }
    if (Array.isArray(providers)) {
        return providers.some((provider) => k8s.Provider.isInstance(provider));
    }
    return "kubernetes" in providers;
}
