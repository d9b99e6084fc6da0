/**
 * The mesh's certificate authority as code, for one cluster: trusted roots (generated here, given as secret
 * configuration, or taken from another stack) and this cluster's intermediate CA, signed by one of them, that istiod
 * uses to sign workload certificates (SPIFFE IDs spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>); or,
 * with `pki.caStack`, the intermediate a CA stack issued for this cluster, with no root key here at all.
 */
import * as pulumi from "@pulumi/pulumi";
import { PkiSettings } from "../config/pki";
import { PluginCaCertificates } from "./cacerts";
import { CLUSTER_INTERMEDIATE_KEYS_OUTPUT, CLUSTER_INTERMEDIATES_OUTPUT, clusterIntermediateOf } from "./caStackOutputs";
import { issueIntermediate } from "./issueIntermediate";
import { ConfiguredRoots, Root, trustedRoot } from "./roots";
import { pemBundle } from "./specs";
import { unprefixedError } from "../program/readableErrors";
import { readStackOutputs } from "../program/stackOutputs";

export { ROOT_CERTIFICATE_OUTPUT, ROOT_KEY_OUTPUT } from "./roots";
export type { RootMaterial } from "./roots";

export interface CertificateAuthorityArgs {
    readonly settings: PkiSettings;
    /** The Istio namespace: istiod's service name goes into the intermediate's DNS SAN. */
    readonly istioNamespace: string;
    /** The cluster's name, written in the intermediate's subject; with a CA stack, the name it lists the cluster by. */
    readonly clusterName: string;
    /** Roots given as secret configuration, by root name. */
    readonly configuredRoots?: ConfiguredRoots;
}

export class CertificateAuthority extends pulumi.ComponentResource {
    static readonly __pulumiType = "mesh:pki:CertificateAuthority";

    static isInstance(obj: unknown): obj is CertificateAuthority {
        return obj instanceof CertificateAuthority;
    }

    /** The four PEMs of istiod's `cacerts` Secret; a secret as a whole (it holds the intermediate's key). */
    readonly pluginCa: pulumi.Output<PluginCaCertificates>;
    /** The signing root's certificate (public). */
    readonly rootCertificatePem: pulumi.Output<string>;
    /** Every trusted root, one PEM after another (public). */
    readonly trustedRootsPem: pulumi.Output<string>;
    /**
     * The signing root's private key, a secret; for other clusters' stacks when exportRootKey is on. Undefined with
     * a CA stack: this stack never holds it.
     */
    readonly rootPrivateKeyPem?: pulumi.Output<string>;
    readonly intermediateCertificatePem: pulumi.Output<string>;
    /** When the intermediate expires (RFC 3339). */
    readonly intermediateExpiresAt: pulumi.Output<string>;
    /**
     * With a CA stack: resolves (to no resource) once the CA stack was found to list this cluster for this namespace,
     * and fails with the reason and the fix otherwise. The Mesh's own Kubernetes provider waits for it, so
     * that nothing is applied to the cluster before.
     */
    readonly caStackChecked?: pulumi.Output<pulumi.Resource[]>;

    constructor(name: string, args: CertificateAuthorityArgs, opts?: pulumi.ComponentResourceOptions) {
        super(CertificateAuthority.__pulumiType, name, {}, opts);
        const { settings } = args;

        if (settings.caStack !== undefined) {
            const fromCaStack = this.fromCaStack(settings.caStack, args);
            this.rootCertificatePem = fromCaStack.rootCertificatePem;
            this.trustedRootsPem = fromCaStack.trustedRootsPem;
            this.intermediateCertificatePem = fromCaStack.intermediateCertificatePem;
            this.intermediateExpiresAt = fromCaStack.intermediateExpiresAt;
            this.pluginCa = fromCaStack.pluginCa;
            this.caStackChecked = fromCaStack.checked;
        } else {
            if (settings.exportRootKey) {
                pulumi.log.warn(
                    "pki.exportRootKey: the root's private key is a stack output, and every stack that reads it holds it in " +
                        "its state. A CA stack keeps the key in one place and gives each cluster only its intermediate " +
                        "(pki.caStack; README: one root for several clusters)",
                    this,
                );
            }
            const roots = new Map<string, Root>();
            for (const root of settings.roots) {
                roots.set(root.name, trustedRoot(this, name, root, settings, args.configuredRoots));
            }
            const signing = roots.get(settings.signingRoot)!;
            const intermediate = issueIntermediate(this, `${name}-intermediate`, {
                settings,
                clusterName: args.clusterName,
                istioNamespace: args.istioNamespace,
                signer: signing,
            });

            this.rootCertificatePem = signing.certificatePem;
            this.rootPrivateKeyPem = pulumi.secret(signing.privateKeyPem);
            this.trustedRootsPem = pulumi.all([...roots.values()].map((root) => root.certificatePem)).apply(pemBundle);
            this.intermediateCertificatePem = intermediate.certificatePem;
            this.intermediateExpiresAt = intermediate.expiresAt;
            this.pluginCa = pulumi.secret(
                pulumi
                    .all([intermediate.certificatePem, intermediate.privateKeyPem, signing.certificatePem, this.trustedRootsPem])
                    .apply(([caCert, caKey, signingRoot, trustedRoots]) => ({
                        caCert,
                        caKey,
                        rootCert: trustedRoots,
                        // The intermediate, then the root that signed it.
                        certChain: pemBundle([caCert, signingRoot]),
                    })),
            );
        }

        this.registerOutputs({
            rootCertificatePem: this.rootCertificatePem,
            trustedRootsPem: this.trustedRootsPem,
            intermediateCertificatePem: this.intermediateCertificatePem,
            intermediateExpiresAt: this.intermediateExpiresAt,
        });
    }

    /**
     * This cluster's part of the CA stack's outputs, checked. They are read with the engine's builtin function, not a
     * stack reference, so this stack's state holds this cluster's intermediate alone (in `cacerts`), never the other
     * clusters' keys (components/program/stackOutputs.ts).
     */
    private fromCaStack(caStack: string, args: CertificateAuthorityArgs) {
        const request = { caStack, clusterName: args.clusterName, istioNamespace: args.istioNamespace };
        const picked = readStackOutputs(caStack, this).apply((outputs) => {
            const found = clusterIntermediateOf(outputs[CLUSTER_INTERMEDIATES_OUTPUT], outputs[CLUSTER_INTERMEDIATE_KEYS_OUTPUT], request);
            if (found instanceof Error) {
                throw unprefixedError(new pulumi.ResourceError(found.message, this, true));
            }
            return found;
        });
        // The key output is a secret; the certificates are public and stay readable as outputs.
        const intermediate = pulumi.unsecret(picked.apply((found) => found.intermediate));
        return {
            checked: picked.apply((): pulumi.Resource[] => []),
            rootCertificatePem: intermediate.apply((found) => found.rootCertificatePem),
            trustedRootsPem: intermediate.apply((found) => found.trustedRootsPem),
            intermediateCertificatePem: intermediate.apply((found) => found.certificatePem),
            intermediateExpiresAt: intermediate.apply((found) => found.expiresAt),
            pluginCa: pulumi.secret(
                picked.apply(({ intermediate: found, privateKeyPem }): PluginCaCertificates => ({
                    caCert: found.certificatePem,
                    caKey: privateKeyPem,
                    rootCert: found.trustedRootsPem,
                    certChain: found.certChainPem,
                })),
            ),
        };
    }
}
