/**
 * The mesh stack: reads and validates the stack configuration, then installs the mesh it describes.
 * An invalid configuration throws here, before any resource is registered.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadConfiguredRoots, loadMeshSettings } from "./components/config/load";
import { Mesh } from "./components/mesh";

const settings = loadMeshSettings();
const mesh = new Mesh("mesh", { settings, configuredRoots: loadConfiguredRoots() });
const ca = mesh.certificateAuthority;

export const istioVersion = mesh.version;
export const revision = mesh.revision;
/** Revision -> Istio version. */
export const revisions = Object.fromEntries(settings.istio.revisions.map((entry) => [entry.name, entry.version.text]));
/** Revision tag -> revision. */
export const tags = settings.istio.tags;
export const istioNamespace = mesh.namespace;
export const trustDomain = mesh.trustDomain;
export const mtlsMode = settings.mtls.mode;
export const interceptionMode = settings.interception.mode;
/** Namespace -> the label that enrolls it, its tag and the revision that injects it. */
export const enrollment = mesh.enrollment;
/** Gateway -> its Service and external address. */
export const gateways = mesh.gateways;
/** The public root certificate that signs this cluster's intermediate; other clusters trust it. */
export const rootCertificatePem = ca?.rootCertificatePem;
/** Every trusted root (root-cert.pem of istiod). */
export const trustedRootsPem = ca?.trustedRootsPem;
export const intermediateExpiresAt = ca?.intermediateExpiresAt;
/** The root's private key, a secret, exported only with pki.exportRootKey for clusters that share this root. */
export const rootPrivateKeyPem = settings.pki.exportRootKey && ca !== undefined ? pulumi.secret(ca.rootPrivateKeyPem) : undefined;
