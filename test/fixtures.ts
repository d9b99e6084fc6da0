/**
 * Configurations for tests: the smallest valid one, and settings derived from it through the real loader.
 */
import { MeshConfigError } from "../components/config/issues";
import { parseMeshConfig, validMeshConfig } from "../components/config/load";
import { MeshConfigInput } from "../components/config/schema";
import { MeshSettings, SettingsEnvironment } from "../components/config/settings";

/** The smallest valid `mesh` configuration: only the pinned version. */
export function minimalConfig(): Record<string, unknown> {
    return { istio: { version: "1.30.3" } };
}

/** Deep-merges `patch` over the minimal configuration. */
export function configWith(patch: Record<string, unknown>): Record<string, unknown> {
    return merge(minimalConfig(), patch);
}

/** The Mesh component's args: the minimal configuration with `patch`, checked as the component checks it. */
export function argsWith(patch: Record<string, unknown> = {}): MeshConfigInput {
    return validMeshConfig(configWith(patch));
}

export function settingsWith(patch: Record<string, unknown> = {}, env: SettingsEnvironment = {}): MeshSettings {
    return parseMeshConfig(configWith(patch), env);
}

function merge(base: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
    const result: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(patch)) {
        const current = result[key];
        result[key] =
            isPlainObject(current) && isPlainObject(value) ? merge(current, value) : value;
    }
    return result;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The messages of a configuration that must be rejected, one per problem; throws if it is accepted. */
export function configProblems(raw: unknown): string[] {
    try {
        parseMeshConfig(raw);
    } catch (error) {
        if (error instanceof MeshConfigError) {
            return error.message.split("\n").slice(1).map((line) => line.replace(/^ {2}- /, ""));
        }
        throw error;
    }
    throw new Error("expected the configuration to be rejected");
}
