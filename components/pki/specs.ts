/**
 * The exact inputs of every TLS resource of the mesh's PKI, as pure functions of the settings: what is worth testing
 * is here, and the component only wires it.
 */
import { PkiSettings } from "../config/pki";

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

/**
 * The intermediate certificate's lifetime. Its extensions are fixed by signing.ts: CA with pathlen 0, key usages
 * digitalSignature, keyEncipherment, keyCertSign and cRLSign, all critical where Istio wants them.
 */
export interface IntermediateCertificateSpec {
    readonly validityPeriodHours: number;
    readonly earlyRenewalHours: number;
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
        validityPeriodHours: settings.intermediateValidityDays * HOURS_PER_DAY,
        // Inside this window, the next up re-issues the certificate.
        earlyRenewalHours: settings.intermediateRenewBeforeDays * HOURS_PER_DAY,
    };
}

/** PEM blocks joined one per line, each ending in a newline, as istiod reads a bundle. */
export function pemBundle(pems: readonly string[]): string {
    return pems.map((pem) => (pem.endsWith("\n") ? pem : `${pem}\n`)).join("");
}
