/**
 * The unit tests' environment: jest's Node.js environment, with one cost of Pulumi's SDK taken out.
 *
 * The SDK records a stack trace on each of its internal promises (`debuggablePromise`, shown only when
 * PULUMI_DEBUG_PROMISE_LEAKS is set) and reads it at once. Under jest every such read maps each of up to 100 frames
 * through the source maps, which made a good part of the suite's CPU time. Those traces get V8's plain format here
 * (the frames only when PULUMI_DEBUG_PROMISE_LEAKS asks for them); every other stack trace (a failing test's, an
 * error's) is mapped by jest as before.
 */
import NodeEnvironment from "jest-environment-node";

type PrepareStackTrace = (error: Error, frames: NodeJS.CallSite[]) => unknown;

const BOOKKEEPING = /[\\/]@pulumi[\\/]pulumi[\\/]runtime[\\/]debuggable\.js$/;

export default class UnitTestEnvironment extends NodeEnvironment {
    constructor(...args: ConstructorParameters<typeof NodeEnvironment>) {
        super(...args);
        // jest installs its source-mapping formatter on this (the worker's) realm; the tests' realm falls back to it.
        const mapped = (): PrepareStackTrace | undefined => Error.prepareStackTrace;
        const plain: PrepareStackTrace = (error, frames) =>
            `${error.name}: ${error.message}${frames.map((frame) => `\n    at ${frame.toString()}`).join("")}`;
        const bookkeeping: PrepareStackTrace = process.env.PULUMI_DEBUG_PROMISE_LEAKS ? plain : (error) => `${error.name}: ${error.message}`;
        const prepare: PrepareStackTrace = (error, frames) => {
            const formatter = BOOKKEEPING.test(frames[0]?.getFileName() ?? "") ? bookkeeping : (mapped() ?? plain);
            return formatter(error, frames);
        };
        (this.global.Error as ErrorConstructor).prepareStackTrace = prepare;
    }
}
