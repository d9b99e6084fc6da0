/**
 * The mocked unit suite's wall time (`jest`), as `npm test` runs it after the type-check; beside it, the suite's
 * floor: as many test files with the same jest setup (transform, runtime, environment, workers), each of which only
 * loads the SDK, sets Pulumi's mocks and registers one component. What the floor costs, any suite of that many files
 * on Pulumi's mock runtime costs.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../../../test/e2e/workspace";
import type { Context } from "../context";
import { log, measure, tailOf, totalCpu } from "../processes";
import { mebibytes, median, seconds, StepReport } from "../report";

/** The goal for the unit suite on 2 cores. */
const GOAL_SECONDS = 15;

const FLOOR_TEST = `import * as pulumi from "@pulumi/pulumi";

pulumi.runtime.setMocks(
    { newResource: (args) => ({ id: args.name + "-id", state: args.inputs }), call: () => ({}) },
    "floor",
    "test",
);

test("one component on the mock runtime", async () => {
    const component = new pulumi.ComponentResource("floor:index:Component", "floor");
    const urn = await new Promise<string>((resolve) => component.urn.apply(resolve));
    expect(urn).toContain("floor");
});
`;

/** A folder of the project (jest resolves the SDK from there) with one floor file per test file of the suite. */
function floorSuite(files: number): string {
    const dir = path.join(PROJECT_ROOT, ".local", "bench-unit-floor");
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    for (let i = 0; i < files; i++) {
        fs.writeFileSync(path.join(dir, `floor${i}.test.ts`), FLOOR_TEST);
    }
    return dir;
}

/** The number of test files the suite runs (jest --listTests). */
function suiteFiles(env: NodeJS.ProcessEnv): number {
    const listed = execFileSync("npx", ["jest", "--listTests"], { cwd: PROJECT_ROOT, env, encoding: "utf8" });
    return listed.split("\n").filter((line) => line.trim().endsWith(".test.ts")).length;
}

export async function unitStep(context: Context): Promise<StepReport> {
    // As `npm test` runs it: no cluster (a kubernetes Provider takes KUBECONFIG from the environment).
    const { KUBECONFIG: _cluster, ...unitEnv } = context.env;
    const files = suiteFiles(unitEnv);
    const floorDir = floorSuite(files);
    const floorArgs = ["--roots", floorDir, "--testPathIgnorePatterns", "/node_modules/"];
    const floorTimes: number[] = [];
    const times: number[] = [];
    const cpu: number[] = [];
    let peakKiB = 0;
    for (let i = 0; i < context.options.runs; i++) {
        log(`unit suite's floor (${files} files), run ${i + 1} of ${context.options.runs}`);
        const floor = await measure("jest", floorArgs, { cwd: PROJECT_ROOT, env: unitEnv, timeoutSeconds: 1800 });
        if (floor.ok) {
            floorTimes.push(floor.seconds);
        }
        log(`  ${seconds(floor.seconds)}${floor.ok ? "" : " (FAILED)"}`);
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
    fs.rmSync(floorDir, { recursive: true, force: true });
    const wall = median(times);
    const floorWall = floorTimes.length === 0 ? undefined : median(floorTimes);
    return {
        section:
            `Unit suite (mocked, jest): median ${seconds(wall)} (min ${seconds(Math.min(...times))}, max ${seconds(Math.max(...times))}), ` +
            `CPU time ${seconds(median(cpu))}, peak RSS of its largest process ${mebibytes(peakKiB)}\n` +
            `Its floor (${files} files that only load the SDK and register one component on the mock runtime, same jest setup): ` +
            (floorWall === undefined ? "failed" : `median ${seconds(floorWall)}; the suite is ${(wall / floorWall).toFixed(2)}x its floor`),
        goals: [{ figure: "unit suite (jest)", measured: seconds(wall), goal: `<= ${GOAL_SECONDS} s on 2 cores`, met: wall <= GOAL_SECONDS }],
    };
}
