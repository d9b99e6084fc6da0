/**
 * A trusted root as resources: generated here (`@pulumi/tls`), given as secret configuration, or read from another
 * stack's outputs. Used by the cluster's CertificateAuthority and by the CA stack's MeshCa.
 */
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { PkiSettings, RootSettings } from "../config/pki";
import { requireStackOutputs } from "../program/stackOutputs";
import { keySpec, rootCertificateSpec } from "./specs";

/** A root's certificate and private key, as PEM. */
export interface RootMaterial {
    readonly certificatePem: string;
    readonly privateKeyPem: string;
}

/** Stack outputs a root stack exports and another cluster's stack reads (`source: stack`). */
export const ROOT_CERTIFICATE_OUTPUT = "rootCertificatePem";
export const ROOT_KEY_OUTPUT = "rootPrivateKeyPem";

export interface Root {
    readonly certificatePem: pulumi.Output<string>;
    /** Always a secret. */
    readonly privateKeyPem: pulumi.Output<string>;
}

/** Roots given as secret configuration, by root name. */
export type ConfiguredRoots = pulumi.Input<Record<string, pulumi.Input<RootMaterial>>>;

/** The root's resources, children of `parent` named `${name}-root-<root>`. */
export function trustedRoot(
    parent: pulumi.Resource,
    name: string,
    root: RootSettings,
    settings: PkiSettings,
    configuredRoots: ConfiguredRoots | undefined,
): Root {
    switch (root.source) {
        case "generate": {
            const key = new tls.PrivateKey(`${name}-root-${root.name}`, keySpec(settings, "root"), { parent });
            const certificate = new tls.SelfSignedCert(
                `${name}-root-${root.name}`,
                { privateKeyPem: key.privateKeyPem, ...rootCertificateSpec(settings, root.name) },
                { parent },
            );
            return { certificatePem: certificate.certPem, privateKeyPem: pulumi.secret(key.privateKeyPem) };
        }
        case "config": {
            // The loader checked that the secret configuration holds this root.
            const material = pulumi.output(configuredRoots ?? {}).apply((all) => all[root.name]);
            return {
                certificatePem: material.apply((value) => value.certificatePem),
                privateKeyPem: pulumi.secret(material.apply((value) => value.privateKeyPem)),
            };
        }
        case "stack": {
            pulumi.log.warn(
                `pki.roots: root "${root.name}" comes with its private key from stack ${root.stack}, so this stack's state holds ` +
                    "that key too. A CA stack keeps it in one place and gives each cluster only its intermediate " +
                    "(pki.caStack; README: one root for several clusters)",
                parent,
            );
            const key = `mesh.pki.roots[${settings.roots.indexOf(root)}].stack`;
            const outputs = requireStackOutputs(key, root.stack, [ROOT_CERTIFICATE_OUTPUT, ROOT_KEY_OUTPUT], parent);
            return {
                // The certificate is public; the read is a secret as a whole because the key is one.
                certificatePem: pulumi.unsecret(outputs.apply((read) => read[ROOT_CERTIFICATE_OUTPUT])),
                privateKeyPem: pulumi.secret(outputs.apply((read) => read[ROOT_KEY_OUTPUT])),
            };
        }
    }
}
