/**
 * The configuration's validation: a `mesh` configuration as written, to typed settings or every problem at once; the
 * roots given as secret configuration. Pure, and without the Pulumi SDK's runtime: the promotion and scheduled-check
 * commands validate stack files with it. Reading the stack's own configuration is stackConfig.ts.
 */
import { z } from "zod";
import { checkIssues } from "./crossSection";
import { ConfigIssue, fromZodIssues, MeshConfigError } from "./issues";
import { MeshConfigInput, meshSchema } from "./schema";
import { PkiSettings } from "./pki";
import { MeshSettings, SettingsEnvironment, toSettings } from "./settings";

/**
 * The environment variable that points the stack at a local folder of Istio's charts (air-gapped installs, local
 * runs against an unpublished release). It wins over `mesh.charts`; `{version}` in it is replaced by the version.
 */
export const CHARTS_DIRECTORY_ENV = "ISTIO_CHARTS_DIR";

/**
 * Validates a raw configuration object (as written: a stack file's `mesh` key, or the Mesh component's args) and
 * returns it typed, or throws MeshConfigError listing every problem. Pure: tests call it directly.
 */
export function validMeshConfig(raw: unknown, stackName?: string, otherIssues: readonly ConfigIssue[] = []): MeshConfigInput {
    if (raw === undefined || raw === null) {
        throw new MeshConfigError(
            [
                {
                    path: [],
                    message:
                        "required: the mesh configuration. Fix: pulumi config set --path 'mesh.istio.version' 1.30.3 " +
                        "(see Pulumi.dev.yaml for a complete example)",
                },
            ],
            stackName,
        );
    }
    const parsed = meshSchema.safeParse(raw, { reportInput: true });
    const issues = [...(parsed.success ? [] : fromZodIssues(parsed.error.issues, raw, knownKeysAt)), ...checkIssues(raw), ...otherIssues];
    if (!parsed.success || issues.length > 0) {
        throw new MeshConfigError(issues, stackName);
    }
    return parsed.data;
}

/** Validates a raw configuration object and returns typed settings, or throws MeshConfigError listing every problem. */
export function parseMeshConfig(raw: unknown, env: SettingsEnvironment = {}, stackName?: string): MeshSettings {
    return toSettings(validMeshConfig(raw, stackName), env);
}

/** The keys the schema allows at a path of the configuration (list indexes step into the list's items). */
export function knownKeysAt(path: readonly PropertyKey[]): string[] {
    let schema: z.ZodType | undefined = meshSchema;
    for (const part of path) {
        schema = unwrap(schema);
        if (schema instanceof z.ZodArray && typeof part === "number") {
            schema = schema.element as z.ZodType;
        } else if (schema instanceof z.ZodObject) {
            schema = (schema.shape as Record<string, z.ZodType>)[String(part)];
        } else {
            return [];
        }
    }
    schema = unwrap(schema);
    if (!(schema instanceof z.ZodObject)) {
        return [];
    }
    // Keys the stack derives are refused by their own message; they are not suggestions.
    return Object.entries(schema.shape as Record<string, z.ZodType>)
        .filter(([, field]) => !(unwrap(field) instanceof z.ZodNever))
        .map(([key]) => key);
}

function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
    let current = schema;
    while (current instanceof z.ZodOptional || current instanceof z.ZodPipe) {
        current = current instanceof z.ZodOptional ? (current.unwrap() as z.ZodType) : (current.in as z.ZodType);
    }
    return current;
}

/** The secret configuration key that holds roots given as configuration: { <root name>: { certificatePem, privateKeyPem } }. */
export const ROOT_CERTIFICATES_KEY = "rootCertificates";

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/;
const PEM_PRIVATE_KEY = /-----BEGIN (EC |RSA )?PRIVATE KEY-----[\s\S]+-----END (EC |RSA )?PRIVATE KEY-----/;

/**
 * Checks the roots that pki.roots takes from secret configuration. Messages name roots and fields, never a value:
 * these are private keys. Pure: `raw` is the configuration value as written (JSON text), or undefined.
 */
export function configuredRootIssues(pki: PkiSettings, raw: string | undefined): ConfigIssue[] {
    const wanted = pki.enabled ? pki.roots.filter((root) => root.source === "config").map((root) => root.name) : [];
    if (wanted.length === 0) {
        return [];
    }
    const fix = `Fix: pulumi config set --secret --path '${ROOT_CERTIFICATES_KEY}.<root>.certificatePem' < root.pem (and privateKeyPem)`;
    let parsed: unknown;
    try {
        parsed = raw === undefined ? undefined : JSON.parse(raw);
    } catch {
        parsed = undefined;
    }
    const roots = parsed !== null && typeof parsed === "object" ? (parsed as Record<string, unknown>) : {};
    return wanted.flatMap((name): ConfigIssue[] => {
        const root = roots[name];
        const material = root !== null && typeof root === "object" ? (root as Record<string, unknown>) : {};
        const problems: string[] = [];
        if (typeof material.certificatePem !== "string" || !PEM_CERTIFICATE.test(material.certificatePem)) {
            problems.push("certificatePem (a PEM certificate)");
        }
        if (typeof material.privateKeyPem !== "string" || !PEM_PRIVATE_KEY.test(material.privateKeyPem)) {
            problems.push("privateKeyPem (a PEM private key)");
        }
        return problems.length === 0
            ? []
            : [
                  {
                      path: ["pki", "roots", pki.roots.findIndex((root) => root.name === name), "source"],
                      given: "config",
                      message: `root "${name}" needs ${problems.join(" and ")} in the secret configuration key ${ROOT_CERTIFICATES_KEY}.${name}. ${fix}`,
                  },
              ];
    });
}
