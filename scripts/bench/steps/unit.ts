/** The mocked unit suite's wall time (`jest`), as `npm test` runs it after the type-check. */
import { PROJECT_ROOT } from "../../../test/e2e/workspace";
import type { Context } from "../context";
import { log, measure, tailOf, totalCpu } from "../processes";
import { mebibytes, median, seconds, StepReport } from "../report";

/** The goal for the unit suite on 2 cores. */
const GOAL_SECONDS = 15;

export async function unitStep(context: Context): Promise<StepReport> {
    // As `npm test` runs it: no cluster (a kubernetes Provider takes KUBECONFIG from the environment).
    const { KUBECONFIG: _cluster, ...unitEnv } = context.env;
    const times: number[] = [];
    const cpu: number[] = [];
    let peakKiB = 0;
    for (let i = 0; i < context.options.runs; i++) {
        log(`unit suite, run ${i + 1} of ${context.options.runs}`);
        const sample = await measure("jest", [], { cwd: PROJECT_ROOT, env: unitEnv, timeoutSeconds: 1800 });
        if (!sample.ok) {
            return {
                section: `Unit suite (jest): failed:\n${tailOf(sample)}`,
                goals: [{ figure: "unit suite (jest)", measured: "failed", goal: `<= ${GOAL_SECONDS} s on 2 cores`, met: false }],
            };
        }
        times.push(sample.seconds);
        cpu.push(totalCpu(sample));
        peakKiB = Math.max(peakKiB, ...Object.values(sample.peakKiB));
        log(`  ${seconds(sample.seconds)}`);
    }
    const wall = median(times);
    return {
        section:
            `Unit suite (mocked, jest): median ${seconds(wall)} (min ${seconds(Math.min(...times))}, max ${seconds(Math.max(...times))}), ` +
            `CPU time ${seconds(median(cpu))}, peak RSS of its largest process ${mebibytes(peakKiB)}`,
        goals: [{ figure: "unit suite (jest)", measured: seconds(wall), goal: `<= ${GOAL_SECONDS} s on 2 cores`, met: wall <= GOAL_SECONDS }],
    };
}
