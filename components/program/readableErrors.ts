/**
 * How a failed run reads: the cause in a line or two and its fix, never a stack trace or an object dump. A stack
 * program calls `installReadableErrors()` first; Pulumi then prints the message of whatever stops the program as it
 * prints a `RunError`'s (the message alone).
 */
import { explainChartError } from "../charts/chartErrors";

/** Set on an error Pulumi's runtime prints as its message alone (what `pulumi.RunError` sets). */
const RUN_ERROR_MARK = "__pulumiRunError";
/** Set on a `pulumi.ResourceError`, which the runtime prints beside its resource, without stack when `hideStack`. */
const RESOURCE_ERROR_MARK = "__pulumResourceError";

/** The message a person reads for an error that stopped the program. */
export function readableMessage(error: unknown): string {
    if (error instanceof Error) {
        return explainChartError(error.message) ?? error.message;
    }
    if (typeof error === "string") {
        return explainChartError(error) ?? error;
    }
    const message = (error as { message?: unknown } | null)?.message;
    return typeof message === "string" ? (explainChartError(message) ?? message) : "the program failed (no message)";
}

/** Rewrites an error in place so that the runtime prints its readable message alone. */
export function makeReadable(error: unknown): void {
    if (error === null || typeof error !== "object") {
        return;
    }
    const marked = error as Record<string, unknown>;
    if (marked[RUN_ERROR_MARK] === true) {
        return;
    }
    const message = readableMessage(error);
    marked.message = message;
    marked.stack = message;
    if (marked[RESOURCE_ERROR_MARK] === true) {
        // Still reported beside its resource.
        marked.hideStack = true;
        return;
    }
    marked[RUN_ERROR_MARK] = true;
}

let installed = false;

/** Makes every error that stops the program readable before Pulumi's runtime reports it. Idempotent. */
export function installReadableErrors(): void {
    if (installed) {
        return;
    }
    installed = true;
    // Prepended: Pulumi's runtime registers its own handlers before the program runs, and reads the error after.
    process.prependListener("uncaughtException", makeReadable);
    process.prependListener("unhandledRejection", makeReadable);
}
