/**
 * The benchmark's option parsing and its goals table (scripts/bench): pure functions, no cluster.
 */
import { parseOptions } from "../scripts/bench/options";
import { goalsTable, growthGoals, growthLine, median, perAdded, ratioGoal } from "../scripts/bench/report";

describe("options", () => {
    test("defaults measure the issue's sizes and beyond", () => {
        const options = parseOptions([]);
        expect(options.namespaces).toEqual([1, 100, 500, 1000]);
        expect(options.gateways).toEqual([1, 10, 50, 100]);
        expect([...options.only]).toEqual(["base", "namespaces", "gateways", "checkpoints", "unit", "readiness"]);
        expect(options.floorVariants).toEqual(["none", "crds", "slim", "skip-metadata"]);
        expect(options.baseline).toBeUndefined();
    });

    test("sizes, steps and settings are read; wrong ones are named", () => {
        const options = parseOptions(["--only", "namespaces,unit", "--namespaces=1,1000", "--env", "PULUMI_PARALLEL=4", "--pulumi-arg=--parallel=4"]);
        expect([...options.only]).toEqual(["namespaces", "unit"]);
        expect(options.namespaces).toEqual([1, 1000]);
        expect(options.env).toEqual({ PULUMI_PARALLEL: "4" });
        expect(options.pulumiArgs).toEqual(["--parallel=4"]);
        expect(parseOptions(["--baseline", "/tmp/earlier/"]).baseline).toBe("/tmp/earlier");
        expect(() => parseOptions(["--only", "speed"])).toThrow("--only: unknown step speed (steps: base, namespaces, gateways, checkpoints, unit, readiness)");
        expect(() => parseOptions(["--namespaces", "1,0"])).toThrow("--namespaces: 0 is not a positive whole number");
        expect(() => parseOptions(["--env", "oops"])).toThrow("--env oops: expected NAME=VALUE");
    });
});

describe("goals", () => {
    test("a ratio goal prints both figures and says whether it is met", () => {
        expect(ratioGoal("cold up / istioctl", 21, 3.5, 2, "<= 2.00x istioctl")).toEqual({
            figure: "cold up / istioctl",
            measured: "6.00x (21.0 s / 3.50 s)",
            goal: "<= 2.00x istioctl",
            met: false,
        });
        expect(ratioGoal("x", 7, 3.5, 2, "g").met).toBe(true);
        expect(ratioGoal("x", undefined, 3.5, 2, "g")).toEqual({ figure: "x", measured: "not measured", goal: "g" });
    });

    test("a scaling series gives the goal at the issue's size and at the largest size", () => {
        const points = [
            { n: 1, seconds: 20 },
            { n: 500, seconds: 50 },
            { n: 1000, seconds: 120 },
        ];
        const goals = growthGoals((n) => `up, 1 to ${n}`, points, 500, 2, "<= 2.00x");
        expect(goals.map((goal) => [goal.figure, goal.measured, goal.met])).toEqual([
            ["up, 1 to 500", "2.50x (50.0 s / 20.0 s)", false],
            ["up, 1 to 1000", "6.00x (120.0 s / 20.0 s)", false],
        ]);
        expect(growthGoals((n) => `${n}`, points.slice(0, 1), 500, 2, "g")).toEqual([{ figure: "500", measured: "not measured", goal: "g" }]);
        expect(perAdded(points[0], points[2])).toBeCloseTo(100 / 999);
        expect(growthLine("up", "namespaces", points)).toBe("up grows 6.00x from 1 to 1000 namespaces, 0.100 s per added namespace");
    });

    test("the table marks what is met, missed and not measured", () => {
        const text = goalsTable([
            { figure: "a", measured: "1.00x", goal: "<= 2x", met: true },
            { figure: "b", measured: "3.00x", goal: "<= 2x", met: false },
            { figure: "c", measured: "not run (--only)", goal: "<= 2x" },
        ]);
        expect(text.split("\n").map((line) => line.split(/\s{3,}/).at(-1))).toEqual(["goal", "met", "NOT met", "-"]);
        expect(median([3, 1, 2])).toBe(2);
        expect(median([4, 1, 2, 3])).toBe(2.5);
    });
});
