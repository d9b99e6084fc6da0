/**
 * The mesh's certificate authority as code: trusted roots (generated here, given as secret configuration, or taken
 * from another stack) and this cluster's intermediate CA, signed by one of them, that istiod uses to sign workload
 * certificates (SPIFFE IDs spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>).
 */
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { PkiSettings, RootSettings } from "../config/pki";
import { PluginCaCertificates } from "./cacerts";
import { IntermediateCertificate } from "./intermediateCertificate";
import { intermediateCertificateSpec, intermediateRequestSpec, keySpec, pemBundle, rootCertificateSpec } from "./specs";

/** A root's certificate and private key, as PEM. */
export interface RootMaterial {
    readonly certificatePem: string;
    readonly privateKeyPem: string;
}

/** Stack outputs a root stack exports and another cluster's stack reads (see README: sharing one root). */
export const ROOT_CERTIFICATE_OUTPUT = "rootCertificatePem";
export const ROOT_KEY_OUTPUT = "rootPrivateKeyPem";

export interface CertificateAuthorityArgs {
    readonly settings: PkiSettings;
    /** The Istio namespace: istiod's service name goes into the intermediate's DNS SAN. */
    readonly istioNamespace: string;
    /** The cluster's name, written in the intermediate's subject. */
    readonly clusterName: string;
    /** Roots given as secret configuration, by root name. */
    readonly configuredRoots?: pulumi.Input<Record<string, pulumi.Input<RootMaterial>>>;
}

interface Root {
    readonly certificatePem: pulumi.Output<string>;
    readonly privateKeyPem: pulumi.Output<string>;
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
    /** The signing root's private key, a secret; for other clusters' stacks when exportRootKey is on. */
    readonly rootPrivateKeyPem: pulumi.Output<string>;
    readonly intermediateCertificatePem: pulumi.Output<string>;
    /** When the intermediate expires (RFC 3339). */
    readonly intermediateExpiresAt: pulumi.Output<string>;

    constructor(name: string, args: CertificateAuthorityArgs, opts?: pulumi.ComponentResourceOptions) {
        super(CertificateAuthority.__pulumiType, name, {}, opts);
        const { settings } = args;

        const roots = new Map<string, Root>();
        for (const root of settings.roots) {
            roots.set(root.name, this.root(name, root, settings, args.configuredRoots));
        }
        const signing = roots.get(settings.signingRoot)!;

        const intermediateKey = new tls.PrivateKey(`${name}-intermediate`, keySpec(settings, "intermediate"), { parent: this });
        const requestSpec = intermediateRequestSpec(args.clusterName, args.istioNamespace);
        const request = new tls.CertRequest(
            `${name}-intermediate`,
            { privateKeyPem: intermediateKey.privateKeyPem, ...requestSpec },
            { parent: this },
        );
        const intermediate = new IntermediateCertificate(
            `${name}-intermediate`,
            {
                certRequestPem: request.certRequestPem,
                caCertPem: signing.certificatePem,
                caPrivateKeyPem: signing.privateKeyPem,
                dnsNames: requestSpec.dnsNames,
                ...intermediateCertificateSpec(settings),
            },
            { parent: this },
        );

        this.rootCertificatePem = signing.certificatePem;
        this.rootPrivateKeyPem = pulumi.secret(signing.privateKeyPem);
        this.trustedRootsPem = pulumi.all([...roots.values()].map((root) => root.certificatePem)).apply(pemBundle);
        this.intermediateCertificatePem = intermediate.certPem;
        this.intermediateExpiresAt = intermediate.validityEndTime;
        this.pluginCa = pulumi.secret(
            pulumi
                .all([intermediate.certPem, intermediateKey.privateKeyPem, signing.certificatePem, this.trustedRootsPem])
                .apply(([caCert, caKey, signingRoot, trustedRoots]) => ({
                    caCert,
                    caKey,
                    rootCert: trustedRoots,
                    // The intermediate, then the root that signed it.
                    certChain: pemBundle([caCert, signingRoot]),
                })),
        );

        this.registerOutputs({
            rootCertificatePem: this.rootCertificatePem,
            trustedRootsPem: this.trustedRootsPem,
            intermediateCertificatePem: this.intermediateCertificatePem,
            intermediateExpiresAt: this.intermediateExpiresAt,
        });
    }

    private root(
        name: string,
        root: RootSettings,
        settings: PkiSettings,
        configuredRoots: CertificateAuthorityArgs["configuredRoots"],
    ): Root {
        switch (root.source) {
            case "generate": {
                const key = new tls.PrivateKey(`${name}-root-${root.name}`, keySpec(settings, "root"), { parent: this });
                const certificate = new tls.SelfSignedCert(
                    `${name}-root-${root.name}`,
                    { privateKeyPem: key.privateKeyPem, ...rootCertificateSpec(settings, root.name) },
                    { parent: this },
                );
                return { certificatePem: certificate.certPem, privateKeyPem: pulumi.secret(key.privateKeyPem) };
            }
            case "config": {
                // load.ts checked that the secret configuration holds this root.
                const material = pulumi.output(configuredRoots ?? {}).apply((all) => all[root.name]);
                return {
                    certificatePem: material.apply((value) => value.certificatePem),
                    privateKeyPem: pulumi.secret(material.apply((value) => value.privateKeyPem)),
                };
            }
            case "stack": {
                const reference = new pulumi.StackReference(`${name}-root-${root.name}`, { name: root.stack }, { parent: this });
                return {
                    certificatePem: reference.requireOutput(ROOT_CERTIFICATE_OUTPUT).apply(String),
                    privateKeyPem: pulumi.secret(reference.requireOutput(ROOT_KEY_OUTPUT).apply(String)),
                };
            }
        }
    }
}
