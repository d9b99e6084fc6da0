/**
 * The one place that reads configuration: the stack's `mesh` key and the environment overrides. Everything else
 * receives typed MeshSettings.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { checkIssues } from "./crossSection";
import type { MeshArgs } from "../mesh";
import type { MeshCaArgs } from "../pki/meshCa";
import { RootMaterial } from "../pki/roots";
import { CA_CONFIG_KEY, caSchema, toCaSettings, validCaConfig } from "./caStack";
import { ConfigIssue, fromZodIssues, MeshConfigError } from "./issues";
import { MESH_CONFIG_KEY, MeshConfigInput, meshSchema } from "./schema";
import { PkiSettings, toPkiSettings } from "./pki";
import { isInvalid, validSections } from "./sections";
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

/**
 * Reads the current stack's configuration and the environment into the Mesh component's args (the configuration as
 * written, the charts folder of the environment, the configured roots); throws before any resource exists if invalid.
 */
export function loadMeshArgs(config: pulumi.Config = new pulumi.Config()): MeshArgs {
    const raw = config.getObject<unknown>(MESH_CONFIG_KEY);
    const environmentCharts = process.env[CHARTS_DIRECTORY_ENV];
    const chartsDirectory = environmentCharts !== undefined && environmentCharts !== "" ? environmentCharts : undefined;
    // The configured roots are checked with the rest, so that every problem shows in one run.
    const sections = validSections(raw);
    const rootIssues = isInvalid(sections, "pki.enabled") || isInvalid(sections, "pki.roots")
        ? []
        : configuredRootIssues(toPkiSettings(sections.pki), pulumi.runtime.getConfig(`${pulumi.getProject()}:${ROOT_CERTIFICATES_KEY}`));
    const input = validMeshConfig(raw, pulumi.getStack(), rootIssues);
    const rootCertificates = config.getSecretObject<Record<string, RootMaterial>>(ROOT_CERTIFICATES_KEY);
    return {
        ...input,
        // The environment's folder wins over the configured source.
        ...(chartsDirectory !== undefined ? { charts: { directory: chartsDirectory } } : {}),
        ...(rootCertificates !== undefined ? { rootCertificates } : {}),
    };
}

/** True when the stack is a CA stack: its configuration is the `ca` key (a cluster's stack has `mesh`). */
export function isCaStack(config: pulumi.Config = new pulumi.Config()): boolean {
    return config.getObject<unknown>(CA_CONFIG_KEY) !== undefined;
}

/**
 * Reads a CA stack's configuration (the `ca` key) and its configured roots into MeshCa's args; throws before any
 * resource exists if invalid, with every problem at once.
 */
export function loadMeshCaArgs(config: pulumi.Config = new pulumi.Config()): MeshCaArgs {
    const raw = config.getObject<unknown>(CA_CONFIG_KEY);
    const issues: ConfigIssue[] = [];
    if (config.getObject<unknown>(MESH_CONFIG_KEY) !== undefined) {
        issues.push({
            path: [],
            message:
                `a stack is either a cluster's mesh (${MESH_CONFIG_KEY}) or the mesh's CA (${CA_CONFIG_KEY}), not both. Fix: keep ` +
                `${CA_CONFIG_KEY} in a stack of its own, and point each cluster's stack at it with mesh.pki.caStack`,
        });
    }
    const parsed = caSchema.safeParse(raw ?? {});
    if (parsed.success) {
        // Reported under ca.roots: the same check as a cluster's roots given as configuration.
        const configured = configuredRootIssues(toCaSettings(parsed.data).pki, pulumi.runtime.getConfig(`${pulumi.getProject()}:${ROOT_CERTIFICATES_KEY}`));
        issues.push(...configured.map((issue) => ({ ...issue, path: issue.path.slice(1) })));
    }
    const input = validCaConfig(raw, pulumi.getStack(), issues);
    const rootCertificates = config.getSecretObject<Record<string, RootMaterial>>(ROOT_CERTIFICATES_KEY);
    return { ...input, ...(rootCertificates !== undefined ? { rootCertificates } : {}) };
}
