/**
 * The whole mesh as one component, composed through one Kubernetes provider, in Istio's order: Istio's CRDs, the
 * Gateway API CRDs, the CA Secret, istiod, the CNI agent, ztunnel (ambient), then waypoints, gateways, enrolled
 * namespaces and mesh policies.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Waypoint } from "./ambient/waypoint";
import { Ztunnel } from "./ambient/ztunnel";
import { ztunnelValues } from "./ambient/ztunnelValues";
import { chartReference } from "./charts/chartReference";
import { ClusterConfig } from "./config/controlPlane";
import { DEFAULT_TAG, EnrollmentTarget } from "./config/enrollment";
import { MeshConfigError } from "./config/issues";
import { validMeshConfig } from "./config/load";
import { ISTIO_DEFAULT_CLUSTER_NAME } from "./config/pki";
import { NamespaceConfig } from "./config/enrollment";
import { MeshConfiguration } from "./config/schema";
import { MeshSettings, toSettings } from "./config/settings";
import { ControlPlane } from "./controlplane/controlPlane";
import { enrollmentReport, EnrollmentReport } from "./enrollment/labels";
import { Enrollment } from "./enrollment/enrollment";
import { gatewayApiPreflight } from "./gatewayapi/crds";
import { GatewayApiGateway } from "./gatewayapi/gateway";
import { kubectlCrdReader, LiveCrdReader } from "./gatewayapi/liveCrds";
import { GATEWAY_CRDS, ingressGatewayApiObject } from "./gatewayapi/objects";
import { EgressLockdown } from "./gateways/egressLockdown";
import { Gateway } from "./gateways/gateway";
import { CniAgent } from "./interception/cniAgent";
import { cniImage } from "./interception/values";
import { EastWestGateway } from "./multicluster/eastWestGateway";
import { missingPeerKubeconfigs, peerKubeconfigs } from "./multicluster/peers";
import { ReaderAccess } from "./multicluster/readerAccess";
import { RemoteSecrets } from "./multicluster/remoteSecrets";
import { CertificateAuthority, RootMaterial } from "./pki/certificateAuthority";
import { composedTransforms } from "./program/composedTransforms";
import { MeshPolicy } from "./security/meshPolicy";
import { forcedOwnershipTransform } from "./lifecycle/ownership";
import { keptPodLabelsTransform } from "./lifecycle/keptPodLabels";
import { adoptExistingTransform, existingObjects, kubectlLister } from "./lifecycle/existingObjects";
import { allocatedFieldsTransform } from "./lifecycle/allocatedFields";
import { hasCluster } from "./lifecycle/kube";
import { LiveMesh } from "./lifecycle/revisionCensus";
import { guardRevisionRemoval, removalGuardFor } from "./lifecycle/revisionRemoval";
import { readinessGate } from "./readiness/readiness";

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
    /**
     * Reads the cluster's Gateway API CRDs before anything is registered, for their version rules; default: kubectl
     * with `cluster`. Needed when the kubeconfig is an Output, or when you pass your own provider for another cluster.
     */
    readonly readLiveCrds?: LiveCrdReader;
    /**
     * Kubeconfigs of peers listed without a stack (multiCluster.peers), by peer name: another Mesh's
     * `readerKubeconfig`, for a program with a provider per cluster. Pass secrets.
     */
    readonly peerKubeconfigs?: Readonly<Record<string, pulumi.Input<string>>>;
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
 * The args as the configuration's checks read them: without the roots and the CRD reader, without a kubeconfig that
 * is an Output, and with a namespace created elsewhere under its key.
 */
function checkedPart(args: MeshArgs): unknown {
    const { rootCertificates: _roots, readLiveCrds: _reader, peerKubeconfigs: _peers, ...configuration } = args;
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
    readonly ztunnel?: Ztunnel;
    /** The Gateway API bundle version the stack applies, "external", or undefined when it does not use the Gateway API. */
    readonly gatewayApi?: string;
    /** Namespace -> label, tag and revision. */
    readonly enrollment: Record<string, EnrollmentReport>;
    /** Gateway name -> its Service and external address. */
    readonly gateways: Record<string, GatewayOutputs>;
    /** The kubeconfig peers' istiod read this cluster with (a secret); only with multiCluster.apiServer. */
    readonly readerKubeconfig?: pulumi.Output<string>;
    /** The network gateway's Service and load balancer address; only with multiCluster.eastWestGateway. */
    readonly eastWestGateway?: GatewayOutputs;
    /** The peers this cluster's istiod reads (one remote secret each). */
    readonly remoteClusters: readonly string[];

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
        const missingPeers = missingPeerKubeconfigs(settings.multiCluster.peers, args.peerKubeconfigs);
        if (missingPeers.length > 0) {
            throw new pulumi.ResourceError(missingPeers.join("\n"), this, true);
        }
        // Removing a revision that pods still run is refused here, before any child, at preview too.
        const removal = removalGuardFor(settings, args.cluster);
        let live: LiveMesh | undefined;
        if (removal === undefined) {
            pulumi.log.warn("revision removal not checked: the kubeconfig is an Output, the live cluster cannot be read before the deployment", this);
        } else {
            live = guardRevisionRemoval(removal, pulumi.getStack());
        }

        // The Gateway API CRDs' rules read the cluster first: a finding stops the stack before any child exists.
        const gatewayApi = settings.gatewayApi;
        if (gatewayApi.crds !== "none") {
            const readLiveCrds = args.readLiveCrds ?? (isOutputKubeconfig(args) ? undefined : kubectlCrdReader(settings.cluster));
            if (readLiveCrds === undefined) {
                throw new pulumi.ResourceError(
                    "mesh.cluster.kubeconfig is an Output, so the cluster's Gateway API CRDs cannot be read before anything is " +
                        "applied (the stack never downgrades them). Fix: pass readLiveCrds to the Mesh, or give the kubeconfig as a string",
                    this,
                    true,
                );
            }
            const declaresGatewayApiObjects =
                settings.gateways.some((gateway) => gateway.gatewayClass !== undefined) || settings.namespaces.some((namespace) => namespace.waypoint !== undefined);
            let warnings: readonly string[];
            try {
                warnings = gatewayApiPreflight({
                    plan: gatewayApi.crds === "managed" ? { mode: "managed", version: gatewayApi.version, channel: gatewayApi.channel } : { mode: "external" },
                    istiodVersions: settings.istio.revisions.map((revision) => revision.version),
                    requiredCrds: declaresGatewayApiObjects ? [...GATEWAY_CRDS] : [],
                    readLiveCrds,
                });
            } catch (error) {
                throw new pulumi.ResourceError((error as Error).message, this, true);
            }
            for (const warning of warnings) {
                pulumi.log.warn(warning, this);
            }
        }
        this.gatewayApi = gatewayApi.crds === "none" ? undefined : gatewayApi.crds === "managed" ? gatewayApi.version.text : "external";
        // Before any child: an adoption needs the cluster readable when the objects are registered.
        const adoption = settings.lifecycle.adoptExisting ? this.adoptExisting(args) : undefined;

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

        // The stack owns what it applies: conflicts with other field managers are forced (lifecycle/ownership.ts).
        // An istiod installed otherwise (istioctl, Helm) keeps its pods when taken over (lifecycle/keptPodLabels.ts),
        // and with lifecycle.adoptExisting its objects are imported, then updated in place (lifecycle/existingObjects.ts);
        // the cluster IPs of an adopted Service are the API server's, never a replacement (lifecycle/allocatedFields.ts).
        const childOpts: pulumi.ComponentResourceOptions = {
            parent: this,
            // One transform, so that each child's inputs are sent to the program once (program/composedTransforms.ts).
            transforms: [
                composedTransforms(
                    forcedOwnershipTransform,
                    allocatedFieldsTransform,
                    keptPodLabelsTransform(settings.namespace, live?.podInstanceLabels ?? {}),
                    ...(adoption !== undefined ? [adoption] : []),
                ),
            ],
        };
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
                // With a CA stack, nothing reaches the cluster before its intermediate for this cluster was found.
                { parent: this, dependsOn: this.certificateAuthority?.caStackChecked },
            );
            childOpts.providers = { kubernetes: provider };
            ownProvider = provider;
        }

        this.controlPlane = new ControlPlane(
            name,
            {
                settings,
                pluginCa: this.certificateAuthority?.pluginCa,
                ...(gatewayApi.crds === "managed"
                    ? { gatewayApiCrds: { version: gatewayApi.version, channel: gatewayApi.channel, manifest: gatewayApi.manifest } }
                    : {}),
            },
            childOpts,
        );
        const crdsApplied: pulumi.Resource[] = [
            this.controlPlane.base,
            ...(this.controlPlane.gatewayApiCrds ? [this.controlPlane.gatewayApiCrds] : []),
        ];
        const istiodsApplied = [...crdsApplied, ...this.controlPlane.ready];
        // What starts pods or creates Istio resources waits until istiod serves (readiness/gate.ts).
        const controlPlaneReady = [...crdsApplied, readinessGate(`${name}-ready`, settings, args.cluster, { parent: this, dependsOn: istiodsApplied })];
        const ambient = settings.dataPlane.mode === "ambient" ? settings.dataPlane : undefined;
        // Node agents have no canary (Istio upgrades them in place): in ambient mode they run the default tag's
        // release, so they move after its istiod, never before; in sidecar mode the CNI agent runs the newest release.
        const nodeAgentVersion = ambient !== undefined ? settings.istio.version : settings.istio.baseVersion;

        const interception = settings.interception;
        if (interception.mode === "cni") {
            this.cni = new CniAgent(
                `${name}-cni`,
                {
                    cni: interception.cni,
                    chart: { version: nodeAgentVersion, source: settings.charts },
                    image: cniImage(settings.images, nodeAgentVersion, settings.istio.platform),
                    values: settings.values.cni,
                    istioNamespace: { name: settings.namespace, output: this.controlPlane.namespace },
                    ambient: ambient !== undefined,
                },
                { ...childOpts, dependsOn: istiodsApplied },
            );
        }
        if (ambient !== undefined) {
            const namespace = ambient.ztunnel.namespace;
            const platform = settings.istio.platform;
            this.ztunnel = new Ztunnel(
                `${name}-ztunnel`,
                {
                    chart: chartReference("ztunnel", nodeAgentVersion, settings.charts),
                    namespace:
                        namespace === settings.namespace
                            ? this.controlPlane.namespace
                            : namespace === this.cni?.namespaceName
                              ? this.cni.namespace
                              : namespace,
                    createNamespace: namespace !== settings.namespace && namespace !== "kube-system" && namespace !== this.cni?.namespaceName,
                    values: ztunnelValues({
                        // The default tag's istiod: ztunnel moves to a new release with the default tag.
                        revision: settings.istio.revision,
                        istioNamespace: settings.namespace,
                        hub: settings.images.hub,
                        tag: settings.images.tag ?? nodeAgentVersion.text,
                        imagePullSecrets: settings.images.pullSecrets,
                        ...(platform !== undefined && platform !== "eks" && platform !== "aks" ? { platform } : {}),
                        // GKE admits system-node-critical pods only where a ResourceQuota allows them; kube-system has one.
                        resourceQuota: platform === "gke" && namespace !== "kube-system",
                        clusterName: settings.multiCluster.clusterName,
                        network: settings.multiCluster.network,
                        resources: ambient.ztunnel.resources,
                    }),
                },
                { ...childOpts, dependsOn: [...controlPlaneReady, ...(this.cni ? [this.cni.chart] : [])] },
            );
        }
        // Pods must find the injector serving and, in CNI mode, the node agent ready; ambient pods ztunnel too.
        const podsMayStart = [...controlPlaneReady, ...(this.cni ? [this.cni.chart] : []), ...(this.ztunnel ? [this.ztunnel.chart] : [])];

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
        for (const namespace of settings.namespaces) {
            if (namespace.waypoint !== undefined) {
                new Waypoint(
                    `${name}-waypoint-${namespace.name}`,
                    {
                        name: namespace.waypoint.name,
                        namespace: namespace.name,
                        trafficType: namespace.waypoint.trafficType,
                        revision: revisionLabel(namespace.target),
                        services: namespace.waypoint.services,
                        namespaceOutput: enrollment!.byName[namespace.name],
                    },
                    { ...childOpts, dependsOn: podsMayStart },
                );
            }
        }
        this.enrollment = enrollmentReport(settings.namespaces, settings.istio.tags);

        const gatewayNamespaces = this.gatewayNamespaces(name, settings, enrollment, ownProvider, childOpts.transforms);
        const gateways: Record<string, Gateway> = {};
        for (const gateway of settings.gateways.filter((entry) => entry.gatewayClass === undefined)) {
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
        const gatewayApiGateways: Record<string, GatewayApiGateway> = {};
        for (const gateway of settings.gateways.filter((entry) => entry.gatewayClass !== undefined)) {
            gatewayApiGateways[gateway.name] = new GatewayApiGateway(
                `${name}-gateway-${gateway.name}`,
                {
                    gateway: ingressGatewayApiObject({
                        name: gateway.name,
                        namespace: gateway.namespace,
                        hosts: gateway.hosts,
                        serviceType: gateway.serviceType,
                        serviceAnnotations: gateway.serviceAnnotations,
                        revision: revisionLabel(gateway.target),
                    }),
                    namespace: gatewayNamespaces[gateway.namespace],
                },
                { ...childOpts, dependsOn: podsMayStart },
            );
        }
        this.gateways = Object.fromEntries(
            [...Object.entries(gateways), ...Object.entries(gatewayApiGateways)].map(([gatewayName, gateway]) => [
                gatewayName,
                { serviceName: gateway.serviceName, externalAddress: gateway.externalAddress },
            ]),
        );

        // Multi-primary: this cluster's reader for its peers, a remote secret per peer, the network gateway.
        const multiCluster = settings.multiCluster;
        if (multiCluster.apiServer !== undefined) {
            this.readerKubeconfig = new ReaderAccess(
                `${name}-reader`,
                { clusterName: multiCluster.clusterName!, apiServer: multiCluster.apiServer, namespace: this.controlPlane.namespace },
                { ...childOpts, dependsOn: [this.controlPlane.base] },
            ).kubeconfig;
        }
        if (multiCluster.peers.length > 0) {
            new RemoteSecrets(
                `${name}-remote`,
                { peers: peerKubeconfigs(multiCluster.peers, args.peerKubeconfigs, this), namespace: this.controlPlane.namespace },
                { ...childOpts, dependsOn: [this.controlPlane.base] },
            );
        }
        this.remoteClusters = multiCluster.peers.map((peer) => peer.name);
        if (multiCluster.eastWestGateway !== undefined) {
            const eastWest = new EastWestGateway(
                `${name}-eastwest`,
                {
                    gateway: multiCluster.eastWestGateway,
                    chart: { version: settings.istio.baseVersion, source: settings.charts },
                    pullSecrets: settings.images.pullSecrets,
                    crds: this.controlPlane.base,
                },
                { ...childOpts, dependsOn: podsMayStart },
            );
            this.eastWestGateway = { serviceName: eastWest.serviceName, externalAddress: eastWest.externalAddress };
        }

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
            remoteClusters: this.remoteClusters,
        });
    }

    /** The transform that imports existing objects; the cluster must be readable before anything is registered. */
    private adoptExisting(args: MeshArgs): pulumi.ResourceTransform {
        const kubeconfig = args.cluster?.kubeconfig;
        if (kubeconfig !== undefined && typeof kubeconfig !== "string") {
            throw new pulumi.ResourceError(
                "lifecycle.adoptExisting: mesh.cluster.kubeconfig is an Output, so the cluster's existing objects cannot be read before they are " +
                    "registered. Fix: give the kubeconfig as a string for the adoption, or set lifecycle.adoptExisting: false",
                this,
                true,
            );
        }
        const access = { kubeconfig, context: args.cluster?.context };
        if (!hasCluster(access)) {
            throw new pulumi.ResourceError(
                "lifecycle.adoptExisting: there is no cluster to read (no mesh.cluster.kubeconfig, KUBECONFIG or ~/.kube/config). " +
                    "Fix: set mesh.cluster.kubeconfig to the cluster to adopt, or set lifecycle.adoptExisting: false",
                this,
                true,
            );
        }
        return adoptExistingTransform(existingObjects(kubectlLister(access)));
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
        transforms: pulumi.ResourceTransform[] | undefined,
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
                { parent: this, provider, transforms, aliases: [{ name: `${name}-gateway-${gateway.name}-namespace`, parent: formerParent }] },
            ).metadata.name;
        }
        return namespaces;
    }
}

/** istio.io/rev of an object istiod deploys: none for the default tag (its revision takes unlabeled ones), else the tag or revision. */
function revisionLabel(target: EnrollmentTarget): string | undefined {
    return "tag" in target ? (target.tag === DEFAULT_TAG ? undefined : target.tag) : target.revision;
}

function isOutputKubeconfig(args: MeshArgs): boolean {
    const kubeconfig = args.cluster?.kubeconfig;
    return kubeconfig !== undefined && typeof kubeconfig !== "string";
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
