/**
 * The workflows' wiring, checked against the project (actionlint checks their syntax and scripts): every command
 * they run exists, the deploy order is dev -> staging -> prod with the gate before each later stage, a stack is
 * never deployed and checked at once, and every job that runs the policy pack installs it first.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { STAGES } from "../scripts/promotion/stages";

const root = path.join(__dirname, "..");
const dir = path.join(root, ".github", "workflows");

interface Step {
    readonly run?: string;
    readonly uses?: string;
    readonly with?: Record<string, unknown>;
}
interface Job {
    readonly steps?: Step[];
    readonly uses?: string;
    readonly needs?: string | string[];
    readonly with?: Record<string, unknown>;
    readonly concurrency?: { group: string };
}
interface Workflow {
    readonly jobs: Record<string, Job>;
}

const workflows: Record<string, Workflow> = Object.fromEntries(
    fs
        .readdirSync(dir)
        .filter((file) => file.endsWith(".yml"))
        .map((file) => [file, parse(fs.readFileSync(path.join(dir, file), "utf8")) as Workflow]),
);
const scripts = Object.keys(JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).scripts);

function allSteps(): [string, string, Step[]][] {
    return Object.entries(workflows).flatMap(([file, workflow]) =>
        Object.entries(workflow.jobs).map(([name, job]) => [file, name, job.steps ?? []] as [string, string, Step[]]),
    );
}

describe("workflows", () => {
    test("every npm script and project file they run exists", () => {
        const runs = allSteps().flatMap(([, , steps]) => steps.map((step) => step.run ?? ""));
        const npmScripts = runs.flatMap((run) => [...run.matchAll(/npm run (?:--silent )?([\w:-]+)/g)].map((match) => match[1]));
        const files = runs.flatMap((run) => [...run.matchAll(/\b(scripts\/[\w./-]+\.(?:ts|sh|js))/g)].map((match) => match[1]));
        expect(npmScripts.length).toBeGreaterThan(3);
        expect(npmScripts.filter((name) => !scripts.includes(name))).toEqual([]);
        expect(files.filter((file) => !fs.existsSync(path.join(root, file)))).toEqual([]);
    });

    test("deploys dev, then staging, then prod, each later stage after the previous one and through the gate", () => {
        const deploy = workflows["deploy.yml"].jobs;
        expect(Object.keys(deploy)).toEqual([...STAGES]);
        STAGES.forEach((stage, index) => {
            expect(deploy[stage].uses).toBe("./.github/workflows/deploy-stack.yml");
            expect(deploy[stage].with?.stack).toBe(stage);
            expect(deploy[stage].needs).toEqual(index === 0 ? undefined : STAGES[index - 1]);
            expect(deploy[stage].with?.["promoted-from"]).toEqual(index === 0 ? undefined : STAGES[index - 1]);
        });
        const steps = workflows["deploy-stack.yml"].jobs.deploy.steps!.map((step) => step.run ?? step.with?.command ?? step.uses ?? "");
        const at = (pattern: RegExp) => steps.findIndex((step) => pattern.test(String(step)));
        expect(at(/promote -- "\$PROMOTE_FROM" "\$STACK" --check/)).toBeGreaterThan(-1);
        expect(at(/promote -- .* --check/)).toBeLessThan(at(/^preview$/));
        expect(at(/^preview$/)).toBeLessThan(at(/^up$/));
        expect(at(/^up$/)).toBeLessThan(at(/verify:record -- "\$STACK"/));
    });

    test("a stack's deploy and its scheduled check share one concurrency group", () => {
        expect(workflows["deploy-stack.yml"].jobs.deploy.concurrency?.group).toBe("stack-${{ inputs.stack }}");
        expect(workflows["scheduled-checks.yml"].jobs.check.concurrency?.group).toBe("stack-${{ matrix.stack }}");
    });

    test("every job that runs the policy pack installs the project (and with it the pack) first", () => {
        for (const [file, job, steps] of allSteps()) {
            const usesPack = steps.findIndex((step) => step.with?.policyPacks === "policy" || /--policy-pack policy\b/.test(step.run ?? ""));
            if (usesPack < 0) {
                continue;
            }
            const install = steps.findIndex((step) => /^npm ci\b/.test(step.run ?? ""));
            expect([file, job, install >= 0 && install < usesPack]).toEqual([file, job, true]);
        }
        expect(fs.existsSync(path.join(root, "policy", "PulumiPolicy.yaml"))).toBe(true);
        expect(fs.existsSync(path.join(root, "policy", "package.json"))).toBe(true);
    });
});
