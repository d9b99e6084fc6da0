/**
 * The first run of the program in a new folder compiles (and type-checks, unless transpile-only) every TypeScript
 * file; later runs read the compile cache. Measured once, apart, so that the timed steps all run warm.
 */
import type { Context } from "../context";
import { log, required } from "../processes";
import { seconds, StepReport } from "../report";
import { meshConfig, newMeshStack } from "../stack";

export async function warmUp(context: Context): Promise<StepReport> {
    log("warm-up: the program's first preview in this workspace");
    const stack = newMeshStack(context, "warmup");
    stack.configure(meshConfig(context, context.options.version));
    const first = required("the first preview", await stack.preview());
    const second = required("the second preview", await stack.preview());
    return {
        section:
            `First preview in a new workspace (TypeScript compiled from scratch): ${seconds(first.seconds)}, program CPU ` +
            `${seconds(first.cpuSeconds.program)}; the same preview again (compiled output cached): ${seconds(second.seconds)}, program CPU ` +
            `${seconds(second.cpuSeconds.program)}`,
        goals: [],
    };
}
