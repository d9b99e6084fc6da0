/**
 * A cost of Pulumi's SDK that a TypeScript program pays on every run: the SDK records a stack trace on each of its
 * internal promises (`debuggablePromise`: several per resource and per log line), read at once, and shown only when
 * it reports leaked promises with PULUMI_DEBUG_PROMISE_LEAKS set. A program run through ts-node has every trace mapped
 * through the source maps, frame by frame: about 0.3 s of CPU in a no-op preview of the stack. Those traces get V8's
 * plain format here (their frames only with PULUMI_DEBUG_PROMISE_LEAKS); every other trace (an error's, the source
 * position the SDK records per resource) is mapped as before.
 */

type PrepareStackTrace = (error: Error, frames: NodeJS.CallSite[]) => unknown;

const BOOKKEEPING = /[\\/]@pulumi[\\/]pulumi[\\/]runtime[\\/]debuggable\.js$/;

/** `mapped` for every trace but the SDK's promise bookkeeping, which is formatted plain. Pure. */
export function bookkeepingUnmapped(mapped: PrepareStackTrace, debugLeaks: boolean): PrepareStackTrace {
    const plain: PrepareStackTrace = debugLeaks
        ? (error, frames) => `${error.name}: ${error.message}${frames.map((frame) => `\n    at ${frame.toString()}`).join("")}`
        : (error) => `${error.name}: ${error.message}`;
    return (error, frames) => (BOOKKEEPING.test(frames[0]?.getFileName() ?? "") ? plain : mapped)(error, frames);
}

let installed = false;

/**
 * Leaves the SDK's promise bookkeeping traces unmapped, when something maps traces (ts-node does for a TypeScript
 * program; without it, V8 formats them plainly anyway and nothing is installed). Call it first in the program.
 * Idempotent.
 */
export function installUnmappedBookkeepingTraces(): void {
    const mapped = Error.prepareStackTrace as PrepareStackTrace | undefined;
    if (installed || mapped === undefined) {
        return;
    }
    installed = true;
    Error.prepareStackTrace = bookkeepingUnmapped(mapped, process.env.PULUMI_DEBUG_PROMISE_LEAKS !== undefined);
}
