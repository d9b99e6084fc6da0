/**
 * The exact inputs of every TLS resource of the mesh's PKI, as pure functions of the settings: what is worth testing
 * is here, and the component only wires it.
 */
import { PkiSettings } from "../config/pkiSettings";

/** tls.PrivateKey inputs. */
export interface KeySpec {
    readonly algorithm: "ECDSA" | "RSA";
    readonly ecdsaCurve?: "P256" | "P384";
    readonly rsaBits?: number;
}

export interface SubjectSpec {
    readonly organization: string;
    readonly commonName: string;
    readonly locality?: string;
}

/** tls.SelfSignedCert inputs other than the key. */
export interface RootCertificateSpec {
    readonly subject: SubjectSpec;
    readonly isCaCertificate: true;
    readonly allowedUses: string[];
    readonly validityPeriodHours: number;
    /** 0: a root is never re-issued by an up; it is rotated on purpose (README: rotating the root). */
    readonly earlyRenewalHours: number;
    readonly setSubjectKeyId: true;
}

/** tls.CertRequest inputs other than the key. */
export interface IntermediateRequestSpec {
    readonly subject: SubjectSpec;
    readonly dnsNames: string[];
}

/** tls.LocallySignedCert inputs other than the request and the signing CA. */
export interface IntermediateCertificateSpec {
    readonly isCaCertificate: true;
    /** 0: the intermediate signs workload certificates only, never another CA. */
    readonly maxPathLength: 0;
    readonly allowedUses: string[];
    readonly validityPeriodHours: number;
    readonly earlyRenewalHours: number;
    readonly setSubjectKeyId: true;
}

const HOURS_PER_DAY = 24;

/**
 * The key of a CA. The root gets the stronger ECDSA curve (P-384): it lives ten years and is expensive to rotate;
 * the intermediate signs every workload certificate, so it gets the configured (by default faster) curve.
 */
export function keySpec(settings: PkiSettings, role: "root" | "intermediate"): KeySpec {
    if (settings.keyAlgorithm === "RSA") {
        return { algorithm: "RSA", rsaBits: settings.rsaBits };
    }
    return { algorithm: "ECDSA", ecdsaCurve: role === "root" ? "P384" : settings.ecdsaCurve };
}

export function rootCertificateSpec(settings: PkiSettings, rootName: string): RootCertificateSpec {
    return {
        subject: { organization: "Istio", commonName: `Root CA ${rootName}` },
        isCaCertificate: true,
        allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
        validityPeriodHours: settings.rootValidityDays * HOURS_PER_DAY,
        earlyRenewalHours: 0,
        setSubjectKeyId: true,
    };
}

/** Istio's requirements: the cluster's name in the subject and istiod's service name as a DNS SAN. */
export function intermediateRequestSpec(clusterName: string, istioNamespace: string): IntermediateRequestSpec {
    return {
        subject: { organization: "Istio", commonName: "Intermediate CA", locality: clusterName },
        dnsNames: [`istiod.${istioNamespace}.svc`],
    };
}

export function intermediateCertificateSpec(settings: PkiSettings): IntermediateCertificateSpec {
    return {
        isCaCertificate: true,
        maxPathLength: 0,
        // keyCertSign and cRLSign to sign; digitalSignature and keyEncipherment as Istio's own tooling sets them.
        allowedUses: ["cert_signing", "crl_signing", "digital_signature", "key_encipherment"],
        validityPeriodHours: settings.intermediateValidityDays * HOURS_PER_DAY,
        // Inside this window, the tls provider marks the certificate for renewal and the next up re-issues it.
        earlyRenewalHours: settings.intermediateRenewBeforeDays * HOURS_PER_DAY,
        setSubjectKeyId: true,
    };
}

/** PEM blocks joined one per line, each ending in a newline, as istiod reads a bundle. */
export function pemBundle(pems: readonly string[]): string {
    return pems.map((pem) => (pem.endsWith("\n") ? pem : `${pem}\n`)).join("");
}
