/**
 * The mesh's CA, for a CA stack: it holds the trusted roots (generated here, or the offline root given as secret
 * configuration) and issues one intermediate CA per listed cluster. Each cluster's stack reads only its own
 * intermediate (pki.caStack), so no cluster's state ever holds a root's private key; neither do this component's
 * outputs.
 */
import * as pulumi from "@pulumi/pulumi";
import { CaConfiguration, CaSettings, toCaSettings, validCaConfig } from "../config/caStack";
import { MeshConfigError } from "../config/issues";
import { ClusterIntermediate } from "./caStackOutputs";
import { issueIntermediate } from "./issueIntermediate";
import { ConfiguredRoots, Root, trustedRoot } from "./roots";
import { pemBundle } from "./specs";

export interface MeshCaArgs extends CaConfiguration {
    /** Roots with `source: config`, by root name: certificate and private key as PEM. Pass a secret. */
    readonly rootCertificates?: ConfiguredRoots;
}

export class MeshCa extends pulumi.ComponentResource {
    static readonly __pulumiType = "mesh:pki:MeshCa";

    static isInstance(obj: unknown): obj is MeshCa {
        return obj instanceof MeshCa;
    }

    /** The validated configuration with every default applied. */
    readonly settings: CaSettings;
    /** The signing root's certificate (public). */
    readonly rootCertificatePem: pulumi.Output<string>;
    /** Every trusted root, one PEM after another (public). */
    readonly trustedRootsPem: pulumi.Output<string>;
    /** Cluster name -> its intermediate, chain and roots (public). */
    readonly clusterIntermediates: pulumi.Output<Record<string, ClusterIntermediate>>;
    /** Cluster name -> its intermediate's private key; a secret. */
    readonly clusterIntermediateKeys: pulumi.Output<Record<string, string>>;

    /**
     * `args` is the configuration as a CA stack's `ca` key writes it; it is validated here, every problem reported at
     * once (a ResourceError with the message alone) before any child is registered.
     */
    constructor(name: string, args: MeshCaArgs, opts?: pulumi.ComponentResourceOptions) {
        super(MeshCa.__pulumiType, name, {}, opts);
        const { rootCertificates, ...configuration } = args;
        let settings: CaSettings;
        try {
            settings = toCaSettings(validCaConfig(configuration));
        } catch (error) {
            if (error instanceof MeshConfigError) {
                throw new pulumi.ResourceError(error.message, this, true);
            }
            throw error;
        }
        this.settings = settings;

        const roots = new Map<string, Root>();
        for (const root of settings.pki.roots) {
            roots.set(root.name, trustedRoot(this, name, root, settings.pki, rootCertificates));
        }
        const signing = roots.get(settings.pki.signingRoot)!;
        // Certificates are public, also those of a root given as secret configuration.
        this.rootCertificatePem = pulumi.unsecret(signing.certificatePem);
        this.trustedRootsPem = pulumi.unsecret(pulumi.all([...roots.values()].map((root) => root.certificatePem)).apply(pemBundle));

        const issued = settings.clusters.map((cluster) => ({
            cluster,
            intermediate: issueIntermediate(this, `${name}-intermediate-${cluster.name}`, {
                settings: cluster.pki,
                clusterName: cluster.name,
                istioNamespace: cluster.istioNamespace,
                signer: signing,
            }),
        }));
        // Public: certificates only (the signing root's may come from secret configuration, hence unsecret).
        this.clusterIntermediates = pulumi.unsecret(
            pulumi
                .all(
                    issued.map(({ cluster, intermediate }) =>
                        pulumi
                            .all([intermediate.certificatePem, intermediate.expiresAt, this.rootCertificatePem, this.trustedRootsPem])
                            .apply(([certificatePem, expiresAt, rootCertificatePem, trustedRootsPem]) =>
                                exportedIntermediate(cluster.name, cluster.istioNamespace, { certificatePem, expiresAt, rootCertificatePem, trustedRootsPem }),
                            ),
                    ),
                )
                .apply((entries) => Object.fromEntries(entries)),
        );
        this.clusterIntermediateKeys = pulumi.secret(
            pulumi
                .all(issued.map(({ cluster, intermediate }) => intermediate.privateKeyPem.apply((key): [string, string] => [cluster.name, key])))
                .apply((entries) => Object.fromEntries(entries)),
        );

        this.registerOutputs({
            rootCertificatePem: this.rootCertificatePem,
            trustedRootsPem: this.trustedRootsPem,
            clusterIntermediates: this.clusterIntermediates,
        });
    }
}

/** One cluster's entry of the CA stack's `clusterIntermediates` output. Pure. */
export function exportedIntermediate(
    clusterName: string,
    istioNamespace: string,
    pems: { certificatePem: string; expiresAt: string; rootCertificatePem: string; trustedRootsPem: string },
): [string, ClusterIntermediate] {
    return [
        clusterName,
        {
            certificatePem: pems.certificatePem,
            // The intermediate, then the root that signed it: istiod's cert-chain.pem.
            certChainPem: pemBundle([pems.certificatePem, pems.rootCertificatePem]),
            rootCertificatePem: pems.rootCertificatePem,
            trustedRootsPem: pems.trustedRootsPem,
            istioNamespace,
            expiresAt: pems.expiresAt,
        },
    ];
}
