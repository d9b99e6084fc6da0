/**
 * The whole mesh as one component, composed through one Kubernetes provider, in Istio's order: CRDs, then the CA
 * Secret, then istiod, then the CNI agent, then gateways, enrolled namespaces and mesh policies.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig } from "./config/controlPlane";
import { MeshConfigError } from "./config/issues";
import { validMeshConfig } from "./config/load";
import { ISTIO_DEFAULT_CLUSTER_NAME } from "./config/pki";
import { NamespaceConfig } from "./config/enrollment";
import { MeshConfiguration } from "./config/schema";
import { MeshSettings, toSettings } from "./config/settings";
import { ControlPlane } from "./controlplane/controlPlane";
import { enrollmentReport, EnrollmentReport } from "./enrollment/labels";
import { Enrollment } from "./enrollment/enrollment";
import { EgressLockdown } from "./gateways/egressLockdown";
import { Gateway } from "./gateways/gateway";
import { CniAgent } from "./interception/cniAgent";
import { cniImage } from "./interception/values";
import { CertificateAuthority, RootMaterial } from "./pki/certificateAuthority";
import { MeshPolicy } from "./security/meshPolicy";

/**
 * The mesh's configuration, in the shape of the stack file's `mesh` key (see MeshConfiguration: every key with its
 * default), where values a program holds as Outputs may be Outputs.
 */
export interface MeshArgs extends Omit<MeshConfiguration, "cluster" | "namespaces"> {
    /** The cluster, when the Mesh makes its own Kubernetes provider; the kubeconfig may be another resource's Output. */
    readonly cluster?: ClusterConfig<pulumi.Input<string>>;
    /** Namespaces in the mesh: as in the stack file, or created elsewhere in the program (their name an Output). */
    readonly namespaces?: readonly (NamespaceConfig | NamespaceCreatedElsewhere)[];
    /**
     * Roots with `source: config` (pki.roots), by root name: their certificate and private key as PEM. Pass a
     * secret; the stack program reads it from the secret configuration key `rootCertificates`.
     */
    readonly rootCertificates?: pulumi.Input<Record<string, pulumi.Input<RootMaterial>>>;
}

/** A namespace that another resource of the program creates: the Mesh labels it, and never owns or deletes it. */
export interface NamespaceCreatedElsewhere extends Omit<NamespaceConfig, "name" | "existing"> {
    /** Its name, e.g. `namespace.metadata.name`. */
    readonly name: pulumi.Output<string>;
    readonly existing: true;
    /**
     * The enrollment's name in this stack (its label patch is `<mesh>-enrollment-<key>`), since the namespace's own
     * name is known only at deployment; the checks of `namespaces[].name` apply to it.
     */
    readonly key: string;
}

function isCreatedElsewhere(entry: NamespaceConfig | NamespaceCreatedElsewhere): entry is NamespaceCreatedElsewhere {
    return typeof entry.name !== "string";
}

/**
 * The args as the configuration's checks read them: without the roots, without a kubeconfig that is an Output, and
 * with a namespace created elsewhere under its key.
 */
function checkedPart(args: MeshArgs): unknown {
    const { rootCertificates: _roots, ...configuration } = args;
    const namespaces = configuration.namespaces?.map((entry) => {
        if (!isCreatedElsewhere(entry)) {
            return entry;
        }
        const { key, name: _name, ...rest } = entry;
        return { ...rest, name: key };
    });
    const cluster = configuration.cluster;
    if (cluster === undefined || cluster.kubeconfig === undefined || typeof cluster.kubeconfig === "string") {
        return { ...configuration, namespaces };
    }
    // An Output is known only at deployment; the provider reports a kubeconfig it cannot read.
    const { kubeconfig: _output, ...rest } = cluster;
    return { ...configuration, namespaces, cluster: rest };
}

/** Key -> name, for the namespaces created elsewhere. */
function namesCreatedElsewhere(args: MeshArgs): Record<string, pulumi.Output<string>> {
    return Object.fromEntries((args.namespaces ?? []).filter(isCreatedElsewhere).map((entry) => [entry.key, entry.name]));
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

    /** The validated configuration with every default applied. */
    readonly settings: MeshSettings;

    /**
     * `args` is the configuration as a stack file writes it under `mesh`; it is validated here, and every problem is
     * reported at once (a ResourceError with the message alone) before any child is registered.
     * Pass `providers: { kubernetes: provider }` (or `providers: [provider]`) to use your own Kubernetes provider;
     * otherwise one is made from `args.cluster` (the current kube context when that is empty).
     */
    constructor(name: string, args: MeshArgs, opts?: pulumi.ComponentResourceOptions) {
        super(Mesh.__pulumiType, name, {}, opts);
        let settings: MeshSettings;
        try {
            settings = toSettings(validMeshConfig(checkedPart(args)));
        } catch (error) {
            if (error instanceof MeshConfigError) {
                throw new pulumi.ResourceError(error.message, this, true);
            }
            throw error;
        }
        this.settings = settings;

        const childOpts: pulumi.ComponentResourceOptions = { parent: this };
        let ownProvider: k8s.Provider | undefined;
        if (!hasKubernetesProvider(opts)) {
            const provider = new k8s.Provider(
                `${name}-kubernetes`,
                {
                    kubeconfig: args.cluster?.kubeconfig,
                    context: args.cluster?.context,
                    // Update ConfigMaps and Secrets in place. By default a data change replaces them (delete, then
                    // create), and istiod would see its mesh config or its cacerts missing in between: without
                    // cacerts it falls back to a self-signed CA.
                    enableConfigMapMutable: true,
                    enableSecretMutable: true,
                },
                { parent: this },
            );
            childOpts.providers = { kubernetes: provider };
            ownProvider = provider;
        }

        if (settings.pki.enabled) {
            this.certificateAuthority = new CertificateAuthority(
                `${name}-ca`,
                {
                    settings: settings.pki,
                    istioNamespace: settings.namespace,
                    clusterName: settings.multiCluster.clusterName ?? ISTIO_DEFAULT_CLUSTER_NAME,
                    configuredRoots: args.rootCertificates,
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
                    values: settings.values.cni,
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

        const enrollment =
            settings.namespaces.length > 0
                ? new Enrollment(
                      `${name}-enrollment`,
                      { namespaces: settings.namespaces, names: namesCreatedElsewhere(args) },
                      { ...childOpts, dependsOn: podsMayStart },
                  )
                : undefined;
        this.enrollment = enrollmentReport(settings.namespaces, settings.istio.tags);

        const gatewayNamespaces = this.gatewayNamespaces(name, settings, enrollment, ownProvider);
        const gateways: Record<string, Gateway> = {};
        for (const gateway of settings.gateways) {
            gateways[gateway.name] = new Gateway(
                `${name}-gateway-${gateway.name}`,
                {
                    gateway,
                    namespace: gatewayNamespaces[gateway.namespace],
                    chart: { version: settings.istio.baseVersion, source: settings.charts },
                    pullSecrets: settings.images.pullSecrets,
                    values: settings.values.gateway,
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

    /**
     * One Namespace per gateway namespace, shared by the gateways there; a namespace that is also enrolled is the
     * enrollment's. The Namespace keeps the identity it had as the first gateway's child (an alias), so existing
     * stacks update in place.
     */
    private gatewayNamespaces(
        name: string,
        settings: MeshSettings,
        enrollment: Enrollment | undefined,
        provider: k8s.Provider | undefined,
    ): Record<string, pulumi.Output<string>> {
        const namespaces: Record<string, pulumi.Output<string>> = {};
        for (const gateway of settings.gateways) {
            const namespace = gateway.namespace;
            if (namespaces[namespace] !== undefined) {
                continue;
            }
            const enrolled = enrollment?.byName[namespace];
            if (enrolled !== undefined) {
                namespaces[namespace] = enrolled;
                continue;
            }
            const formerParent = pulumi.createUrn(`${name}-gateway-${gateway.name}`, Gateway.__pulumiType, this);
            namespaces[namespace] = new k8s.core.v1.Namespace(
                `${name}-gateway-namespace-${namespace}`,
                { metadata: { name: namespace, labels: { "app.kubernetes.io/part-of": "istio" } } },
                { parent: this, provider, aliases: [{ name: `${name}-gateway-${gateway.name}-namespace`, parent: formerParent }] },
            ).metadata.name;
        }
        return namespaces;
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
