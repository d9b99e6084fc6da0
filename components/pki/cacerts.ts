/**
 * Istio's plug-in CA Secret (`cacerts`): the exact keys istiod reads at start. If the Secret is missing, istiod
 * silently generates a self-signed CA of its own, so the Secret must exist before istiod starts.
 */

/** The Secret's name; istiod looks for exactly this name in its own namespace. */
export const CACERTS_SECRET_NAME = "cacerts";

/** PEM material for istiod's plug-in CA. */
export interface PluginCaCertificates {
    /** The CA certificate istiod signs workload certificates with (the cluster's intermediate). */
    readonly caCert: string;
    /** The private key of caCert. Always a secret. */
    readonly caKey: string;
    /** Every trusted root, one PEM after another (several during a root rotation). */
    readonly rootCert: string;
    /** caCert's chain up to and including its root: the intermediate first, then the root. */
    readonly certChain: string;
}

/** The Secret's data, keyed by the file names istiod expects; exactly these four keys. */
export function cacertsSecretData(ca: PluginCaCertificates): Record<string, string> {
    return {
        "ca-cert.pem": ca.caCert,
        "ca-key.pem": ca.caKey,
        "root-cert.pem": ca.rootCert,
        "cert-chain.pem": ca.certChain,
    };
}
