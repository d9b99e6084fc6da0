/**
 * Signs the cluster's intermediate CA certificate from its request (made by tls.CertRequest) with a root's key.
 *
 * The tls provider cannot do this part: its certificates never carry `pathlen:0` (it sets Go's MaxPathLen but not
 * MaxPathLenZero, so a path length of 0 is silently dropped), and Istio's plug-in CA wants the intermediate limited
 * to signing workload certificates. This is the one certificate signed here; keys and the roots stay @pulumi/tls.
 */
import * as crypto from "crypto";
import type * as X509 from "@peculiar/x509";

export interface IntermediateSigningInputs {
    readonly certRequestPem: string;
    readonly caCertPem: string;
    readonly caPrivateKeyPem: string;
    readonly validityPeriodHours: number;
    /** DNS names for the subjectAltName; Istio wants istiod.<namespace>.svc. */
    readonly dnsNames: readonly string[];
}

export interface SignedIntermediate {
    readonly certPem: string;
    /** RFC 3339. */
    readonly validityStartTime: string;
    readonly validityEndTime: string;
}

const CURVES: Record<string, { namedCurve: string; hash: string }> = {
    prime256v1: { namedCurve: "P-256", hash: "SHA-256" },
    secp384r1: { namedCurve: "P-384", hash: "SHA-384" },
};

/** The CA key as a WebCrypto signing key, with the signature algorithm that suits it. */
interface SigningAlgorithm {
    readonly name: string;
    readonly hash: string;
}

async function signingKey(privateKeyPem: string): Promise<{ key: crypto.webcrypto.CryptoKey; algorithm: SigningAlgorithm }> {
    const keyObject = crypto.createPrivateKey(privateKeyPem);
    const pkcs8 = keyObject.export({ type: "pkcs8", format: "der" });
    if (keyObject.asymmetricKeyType === "ec") {
        const curve = CURVES[keyObject.asymmetricKeyDetails?.namedCurve ?? ""];
        if (curve === undefined) {
            throw new Error(`unsupported CA key curve ${keyObject.asymmetricKeyDetails?.namedCurve}: use P256 or P384`);
        }
        const key = await crypto.webcrypto.subtle.importKey("pkcs8", pkcs8, { name: "ECDSA", namedCurve: curve.namedCurve }, false, ["sign"]);
        return { key, algorithm: { name: "ECDSA", hash: curve.hash } };
    }
    if (keyObject.asymmetricKeyType === "rsa") {
        const algorithm = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
        const key = await crypto.webcrypto.subtle.importKey("pkcs8", pkcs8, algorithm, false, ["sign"]);
        return { key, algorithm };
    }
    throw new Error(`unsupported CA key type ${keyObject.asymmetricKeyType}: use ECDSA or RSA`);
}

/**
 * The intermediate: CA with pathlen 0 (critical), key usages digitalSignature, keyEncipherment, keyCertSign and
 * cRLSign (critical), the request's subject and key, the given DNS names, subject and authority key identifiers.
 */
export async function signIntermediate(inputs: IntermediateSigningInputs, now: Date = new Date()): Promise<SignedIntermediate> {
    // Required here rather than imported: Pulumi's dynamic provider process runs this function from its serialized
    // text, and @peculiar/x509 needs the reflect-metadata polyfill loaded before it.
    require("reflect-metadata");
    const x509 = require("@peculiar/x509") as typeof X509;
    x509.cryptoProvider.set(crypto.webcrypto as unknown as Parameters<typeof X509.cryptoProvider.set>[0]);
    const request = new x509.Pkcs10CertificateRequest(inputs.certRequestPem);
    if (!(await request.verify())) {
        throw new Error("the intermediate's certificate request is not signed by its own key");
    }
    const issuer = new x509.X509Certificate(inputs.caCertPem);
    const { key, algorithm } = await signingKey(inputs.caPrivateKeyPem);
    const notBefore = new Date(Math.floor(now.getTime() / 1000) * 1000);
    const notAfter = new Date(notBefore.getTime() + inputs.validityPeriodHours * 3_600_000);
    const certificate = await x509.X509CertificateGenerator.create({
        serialNumber: crypto.randomBytes(16).toString("hex").replace(/^[89a-f]/, "1"),
        subject: request.subjectName,
        // The issuer's name as the root encodes it (e.g. UTF8String, openssl's default), not re-encoded from its text:
        // Go's verifier (istiod's) matches an issuer to its root byte for byte.
        issuer: issuer.subjectName,
        notBefore,
        notAfter,
        publicKey: request.publicKey,
        signingKey: key,
        signingAlgorithm: algorithm,
        extensions: [
            new x509.BasicConstraintsExtension(true, 0, true),
            new x509.KeyUsagesExtension(
                x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment | x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
                true,
            ),
            new x509.SubjectAlternativeNameExtension(inputs.dnsNames.map((name) => ({ type: "dns" as const, value: name }))),
            await x509.SubjectKeyIdentifierExtension.create(request.publicKey),
            await x509.AuthorityKeyIdentifierExtension.create(issuer),
        ],
    });
    return {
        certPem: certificate.toString("pem") + "\n",
        validityStartTime: notBefore.toISOString().replace(/\.000Z$/, "Z"),
        validityEndTime: notAfter.toISOString().replace(/\.000Z$/, "Z"),
    };
}
