/**
 * The timing log of the suites on the local istiod: how long each named step took, printed at the end of a suite as
 * a record of the run (benchmarks, not the tests, are where timings are judged).
 */

/** Seconds since `start`, rounded to a tenth, for the timing log. */
export function since(start: number): number {
    return Math.round((Date.now() - start) / 100) / 10;
}

/** Runs a step and records in `timings` how long it took, failed or not. */
export function stepTimer(timings: Record<string, number>): <T>(what: string, run: () => Promise<T> | T) => Promise<T> {
    return async (what, run) => {
        const start = Date.now();
        try {
            return await run();
        } finally {
            timings[what] = since(start);
        }
    };
}
