/** The bench's command line. */
import * as path from "path";

export const USAGE =
    "usage: npm run bench [-- --runs N] [--only base,namespaces,gateways,checkpoints,unit,readiness] [--namespaces 1,100,500,1000] " +
    "[--gateways 1,10,50,100] [--up-limit SECONDS] [--version 1.30.3] [--baseline DIR] [--floor-variants none,crds,slim,skip-metadata] [--pulumi-arg=ARG ...] [--env NAME=VALUE ...]";

export const STEPS = ["base", "namespaces", "gateways", "checkpoints", "unit", "readiness"] as const;
export type StepName = (typeof STEPS)[number];

export interface Options {
    readonly runs: number;
    readonly only: ReadonlySet<StepName>;
    readonly namespaces: readonly number[];
    readonly gateways: readonly number[];
    readonly upLimit: number;
    /** The checkpoint floor's variants to run (steps/checkpoints.ts). */
    readonly floorVariants: readonly string[];
    readonly version: string;
    /**
     * An earlier checkout of the project (e.g. `git archive main | tar -x -C DIR`, with node_modules there or linked
     * from this checkout): the base step times its no-op preview on the stack's own state, alternating with this
     * checkout's, so before and after compare in one run.
     */
    readonly baseline?: string;
    /** Extra flags for every pulumi command (e.g. --parallel=16), to compare engine settings. */
    readonly pulumiArgs: readonly string[];
    /** Extra environment for every command (NAME=VALUE), to compare settings. */
    readonly env: Readonly<Record<string, string>>;
}

/** The defaults: the sizes of the table and beyond (1,000 namespaces, 100 gateways). */
const DEFAULTS = {
    runs: "3",
    namespaces: "1,100,500,1000",
    gateways: "1,10,50,100",
    // An up predicted or running longer than this is skipped or cancelled: the bench must end on a loaded machine.
    "up-limit": "900",
    version: "1.30.3",
    "floor-variants": "none,crds,slim,skip-metadata",
} as const;

export function parseOptions(argv: readonly string[]): Options {
    const values = new Map<string, string[]>();
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
        if (match === null) {
            throw new Error(`unexpected argument ${arg}\n${USAGE}`);
        }
        const value = match[2] ?? argv[++i];
        if (value === undefined) {
            throw new Error(`${arg} needs a value\n${USAGE}`);
        }
        values.set(match[1], [...(values.get(match[1]) ?? []), value]);
    }
    const known = new Set(["runs", "only", "namespaces", "gateways", "up-limit", "version", "floor-variants", "baseline", "pulumi-arg", "env"]);
    for (const key of values.keys()) {
        if (!known.has(key)) {
            throw new Error(`unknown option --${key}\n${USAGE}`);
        }
    }
    const one = (key: keyof typeof DEFAULTS | "only") => values.get(key)?.at(-1) ?? (key === "only" ? STEPS.join(",") : DEFAULTS[key]);
    const numbers = (key: keyof typeof DEFAULTS) =>
        one(key)
            .split(",")
            .filter((part) => part !== "")
            .map((part) => {
                const n = Number(part);
                if (!Number.isInteger(n) || n < 1) {
                    throw new Error(`--${key}: ${part} is not a positive whole number`);
                }
                return n;
            });
    const baseline = values.get("baseline")?.at(-1);
    const only = one("only").split(",");
    const unknownSteps = only.filter((step) => !(STEPS as readonly string[]).includes(step));
    if (unknownSteps.length > 0) {
        throw new Error(`--only: unknown step ${unknownSteps.join(", ")} (steps: ${STEPS.join(", ")})`);
    }
    return {
        runs: numbers("runs")[0],
        only: new Set(only as StepName[]),
        namespaces: numbers("namespaces"),
        gateways: numbers("gateways"),
        upLimit: numbers("up-limit")[0],
        version: one("version"),
        baseline: baseline === undefined ? undefined : path.resolve(baseline),
        floorVariants: one("floor-variants").split(","),
        pulumiArgs: values.get("pulumi-arg") ?? [],
        env: Object.fromEntries(
            (values.get("env") ?? []).map((entry) => {
                const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(entry);
                if (match === null) {
                    throw new Error(`--env ${entry}: expected NAME=VALUE`);
                }
                return [match[1], match[2]];
            }),
        ),
    };
}
