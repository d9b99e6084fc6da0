/**
 * The one place that reads the stack's configuration: its `mesh` key (or a CA stack's `ca` key), the roots given as
 * secret configuration, and the environment's overrides, validated by load.ts. Everything else receives typed
 * settings.
 */
import * as pulumi from "@pulumi/pulumi";
import type { MeshArgs } from "../mesh";
import type { MeshCaArgs } from "../pki/meshCa";
import { RootMaterial } from "../pki/roots";
import { CA_CONFIG_KEY, caSchema, toCaSettings, validCaConfig } from "./caStack";
import { ConfigIssue } from "./issues";
import { CHARTS_DIRECTORY_ENV, configuredRootIssues, ROOT_CERTIFICATES_KEY, validMeshConfig } from "./load";
import { MESH_CONFIG_KEY } from "./schema";
import { toPkiSettings } from "./pki";
import { isInvalid, validSections } from "./sections";

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
