/**
 * How a failed run reads: the cause in a line or two and its fix, never a stack trace or an object dump. A stack
 * program calls `installReadableErrors()` first; Pulumi then prints the message of whatever stops the program as it
 * prints a `RunError`'s (the message alone), and not the errors that only repeat that the engine stopped it.
 */

/** Set on an error Pulumi's runtime prints as its message alone (what `pulumi.RunError` sets). */
const RUN_ERROR_MARK = "__pulumiRunError";
/** Set on a `pulumi.ResourceError`, which the runtime prints beside its resource, without stack when `hideStack`. */
const RESOURCE_ERROR_MARK = "__pulumResourceError";

/**
 * An error that only says the engine stopped the program (after an error the engine reported itself, such as a
 * provider's, or a cancellation): a resource registered after that fails with it.
 */
export function isFollowOnError(error: unknown): boolean {
    const message = (error as { message?: unknown } | null)?.message;
    return typeof message === "string" && /resource monitor shut down|Resource monitor is terminating/.test(message);
}

/** The message a person reads for an error that stopped the program. */
export function readableMessage(error: unknown): string {
    const message =
        error instanceof Error ? error.message : typeof error === "string" ? error : (error as { message?: unknown } | null)?.message;
    return typeof message === "string" ? message : "the program failed (no message)";
}

/** Rewrites an error in place so that the runtime prints its message alone. */
export function makeReadable(error: unknown): void {
    if (error === null || typeof error !== "object") {
        return;
    }
    const marked = error as Record<string, unknown>;
    if (marked[RUN_ERROR_MARK] === true) {
        return;
    }
    marked.stack = readableMessage(error);
    if (marked[RESOURCE_ERROR_MARK] === true) {
        // Still reported beside its resource.
        marked.hideStack = true;
        return;
    }
    marked[RUN_ERROR_MARK] = true;
}

let installed = false;

/**
 * Puts itself in front of the runtime's handlers of uncaught errors (registered before the program runs): drops the
 * follow-on errors and makes the others readable. Idempotent.
 */
export function installReadableErrors(): void {
    if (installed) {
        return;
    }
    installed = true;
    const front =
        (handlers: ((...args: never[]) => void)[]) =>
        (error: unknown, detail: unknown): void => {
            if (isFollowOnError(error)) {
                return;
            }
            makeReadable(error);
            for (const handler of handlers as unknown as ((error: unknown, detail: unknown) => void)[]) {
                handler(error, detail);
            }
        };
    const onException = process.listeners("uncaughtException");
    process.removeAllListeners("uncaughtException");
    process.on("uncaughtException", front(onException));
    const onRejection = process.listeners("unhandledRejection");
    process.removeAllListeners("unhandledRejection");
    process.on("unhandledRejection", front(onRejection));
}

/**
 * The error as it is, whatever consumes the failed Output: the runtime prefixes the message of an error that fails a
 * property's serialization with the property's name (`error serializing property "outputs": ...`), once per level and
 * per consumer, which buries the key, the value and the fix. The message stays the one written here.
 */
export function unprefixedError<E extends Error>(error: E): E {
    const message = error.message;
    Object.defineProperty(error, "message", {
        get: () => message,
        set: () => undefined,
        enumerable: false,
        configurable: true,
    });
    return error;
}
