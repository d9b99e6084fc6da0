/**
 * One cluster's intermediate CA, issued by a root: its key and request (`@pulumi/tls`) and the certificate signed by
 * IntermediateCertificate (pathlen 0, the key usages Istio wants, the cluster's name in the subject). Used by the
 * cluster's CertificateAuthority and, once per listed cluster, by the CA stack's MeshCa.
 */
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { PkiSettings } from "../config/pki";
import { IntermediateCertificate } from "./intermediateCertificate";
import { Root } from "./roots";
import { intermediateCertificateSpec, intermediateRequestSpec, keySpec } from "./specs";

export interface IntermediateFor {
    /** Its key algorithm and lifetime. */
    readonly settings: PkiSettings;
    /** Written in the subject. */
    readonly clusterName: string;
    /** istiod's service name in it goes into the DNS SAN. */
    readonly istioNamespace: string;
    readonly signer: Root;
}

export interface IssuedIntermediate {
    readonly certificatePem: pulumi.Output<string>;
    /** Always a secret. */
    readonly privateKeyPem: pulumi.Output<string>;
    /** RFC 3339. */
    readonly expiresAt: pulumi.Output<string>;
}

/** The key, request and certificate, children of `parent`, each named `name`. */
export function issueIntermediate(parent: pulumi.Resource, name: string, what: IntermediateFor): IssuedIntermediate {
    const key = new tls.PrivateKey(name, keySpec(what.settings, "intermediate"), { parent });
    const requestSpec = intermediateRequestSpec(what.clusterName, what.istioNamespace);
    const request = new tls.CertRequest(name, { privateKeyPem: key.privateKeyPem, ...requestSpec }, { parent });
    const certificate = new IntermediateCertificate(
        name,
        {
            certRequestPem: request.certRequestPem,
            caCertPem: what.signer.certificatePem,
            caPrivateKeyPem: what.signer.privateKeyPem,
            dnsNames: requestSpec.dnsNames,
            ...intermediateCertificateSpec(what.settings),
        },
        { parent },
    );
    return { certificatePem: certificate.certPem, privateKeyPem: pulumi.secret(key.privateKeyPem), expiresAt: certificate.validityEndTime };
}
