/**
 * The one place that reads configuration: the stack's `mesh` key and the environment overrides. Everything else
 * receives typed MeshSettings.
 */
import * as pulumi from "@pulumi/pulumi";
import { crossFieldIssues } from "./crossField";
import { fromZodIssues, MeshConfigError } from "./issues";
import { MESH_CONFIG_KEY, meshSchema } from "./schema";
import { MeshSettings, SettingsEnvironment, toSettings } from "./settings";

/**
 * The environment variable that points the stack at a local folder of Istio's charts (air-gapped installs, local
 * runs against an unpublished release). It wins over `mesh.charts`; `{version}` in it is replaced by the version.
 */
export const CHARTS_DIRECTORY_ENV = "ISTIO_CHARTS_DIR";

/**
 * Validates a raw configuration object and returns typed settings, or throws MeshConfigError listing every problem.
 * Pure: tests call it directly.
 */
export function parseMeshConfig(raw: unknown, env: SettingsEnvironment = {}, stackName?: string): MeshSettings {
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
    const issues = [...(parsed.success ? [] : fromZodIssues(parsed.error.issues, raw)), ...crossFieldIssues(raw)];
    if (!parsed.success || issues.length > 0) {
        throw new MeshConfigError(issues, stackName);
    }
    return toSettings(parsed.data, env);
}

/** Reads the current stack's configuration and the environment; throws before any resource exists if invalid. */
export function loadMeshSettings(config: pulumi.Config = new pulumi.Config()): MeshSettings {
    const raw = config.getObject<unknown>(MESH_CONFIG_KEY);
    const chartsDirectory = process.env[CHARTS_DIRECTORY_ENV];
    return parseMeshConfig(
        raw,
        { chartsDirectory: chartsDirectory !== undefined && chartsDirectory !== "" ? chartsDirectory : undefined },
        pulumi.getStack(),
    );
}
