/**
 * The Pulumi CLI as the project's commands run it: with scripts/env.sh sourced first, so that the engine, plugins and
 * state backend are the same as for `npm run up` (a local file backend in .local/state unless PULUMI_BACKEND_URL names
 * another).
 */
import { execFileSync } from "child_process";
import * as path from "path";

/** Runs `pulumi <args>` in the project folder and returns its standard output; throws when it exits non-zero. */
export function runPulumi(projectDir: string, args: readonly string[]): string {
    return execFileSync("bash", ["-c", 'source "$0/scripts/env.sh" && exec pulumi "$@"', path.resolve(projectDir), ...args], {
        cwd: projectDir,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
        maxBuffer: 256 * 1024 * 1024,
    });
}

/** The first line of what a failed command said (its standard error when there is one), for a one-line reason. */
export function failureReason(error: unknown): string {
    const stderr = (error as { stderr?: unknown }).stderr;
    const text = typeof stderr === "string" && stderr.trim() !== "" ? stderr : error instanceof Error ? error.message : String(error);
    return text.trim().split("\n")[0];
}
