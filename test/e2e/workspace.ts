/**
 * Throwaway Pulumi workspaces on the local cluster, for the end-to-end suites and the benchmarks (scripts/bench):
 * the project's program in a temporary folder (links to the sources, stack files of its own, optionally a state
 * backend of its own), and what both need around it (the cluster's environment, Istio's CRDs removed between runs).
 * The suites drive it with the automation API (E2eWorkspace); the benchmarks time the pulumi CLI in its folder.
 */
import * as automation from "@pulumi/pulumi/automation";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { CHARTS_DIRECTORY_ENV } from "../../components/config/load";
import { kubectl } from "../../components/verify/kubectl";

export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");
/**
 * What a workspace links from the project: the program, its dependencies, the policy pack, and the scripts that
 * `npm run up|preview` run (scripts/pulumi.sh), so a suite can run those in the folder as a user does.
 */
const LINKED = ["index.ts", "components", "node_modules", "package.json", "tsconfig.json", "Pulumi.yaml", "policy", "scripts"];

/** The project's program in a temporary folder of its own. */
export class ProjectFolder {
    readonly dir: string;
    /** The state backend of this folder (`file://...`), when it has one of its own. */
    readonly backendUrl?: string;

    /**
     * `ownBackend`: keep the state in the folder too (the stacks' names then need not be unique). `root`: another
     * checkout of the project to link instead of this one (the bench compares an earlier one's program); it needs
     * node_modules of its own (or a link to these), as its modules are resolved from where they are.
     */
    constructor(prefix: string, options: { ownBackend?: boolean; root?: string } = {}) {
        this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
        if (options.ownBackend === true) {
            const backend = path.join(this.dir, ".state");
            fs.mkdirSync(backend);
            this.backendUrl = `file://${backend}`;
        }
        const root = options.root ?? PROJECT_ROOT;
        for (const entry of LINKED) {
            fs.symlinkSync(path.join(root, entry), path.join(this.dir, entry));
        }
    }

    /** Writes the stack file of `stackName` with this mesh configuration. */
    configure(stackName: string, mesh: Record<string, unknown>): void {
        fs.writeFileSync(path.join(this.dir, `Pulumi.${stackName}.yaml`), stringify({ config: { "istio-mesh:mesh": mesh } }));
    }

    remove(): void {
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

export interface Step {
    readonly op: string;
    readonly type: string;
    /** The resource's name as the URN ends with it. */
    readonly name: string;
    readonly diffs: readonly string[];
}

/**
 * One moment of a deployment: a resource's step started (the engine has applied what it depends on) or finished (its
 * outputs are back), by the resource's name as the URN ends with it.
 */
export interface TimelineEntry {
    readonly phase: "start" | "done";
    readonly op: string;
    readonly type: string;
    readonly name: string;
}

/** One resource of an exported stack state. */
export interface StateResource {
    readonly urn: string;
    readonly type: string;
    readonly custom?: boolean;
    readonly outputs?: Record<string, unknown>;
}

export class E2eWorkspace {
    readonly stackName: string;
    readonly workDir: string;
    private readonly folder: ProjectFolder;
    private readonly env: Record<string, string>;
    private stackPromise?: Promise<automation.Stack>;

    /**
     * A unique stack `<prefix>-<time>`; or, with `stackName`, that exact name in a backend of its own (a temporary
     * folder), for what depends on the stack's name, such as the policy pack's prod rules.
     */
    constructor(prefix: string, env: Record<string, string>, stackName?: string) {
        this.stackName = stackName ?? `${prefix}-${Date.now().toString(36)}`;
        this.folder = new ProjectFolder(prefix, { ownBackend: stackName !== undefined });
        this.workDir = this.folder.dir;
        this.env = this.folder.backendUrl === undefined ? env : { ...env, PULUMI_BACKEND_URL: this.folder.backendUrl };
    }

    /** Writes the stack file with this mesh configuration. */
    configure(mesh: Record<string, unknown>): void {
        this.folder.configure(this.stackName, mesh);
    }

    stack(): Promise<automation.Stack> {
        this.stackPromise ??= automation.LocalWorkspace.createStack(
            { stackName: this.stackName, workDir: this.workDir },
            { workDir: this.workDir, envVars: this.env },
        );
        return this.stackPromise;
    }

    async preview(options: { refresh?: boolean; policyPacks?: string[] } = {}): Promise<Step[]> {
        const steps: Step[] = [];
        await (await this.stack()).preview({ onEvent: collect(steps), refresh: options.refresh, diff: true, policyPacks: options.policyPacks });
        return steps;
    }

    /**
     * `timeline`: when each step started and finished, in the order the engine reported it; `onTimeline` is told of
     * each entry as it comes.
     */
    async up(
        options: { refresh?: boolean; onTimeline?: (entry: TimelineEntry) => void } = {},
    ): Promise<{ steps: Step[]; timeline: TimelineEntry[]; result: automation.UpResult }> {
        const steps: Step[] = [];
        const timeline: TimelineEntry[] = [];
        const record = collect(steps, timeline);
        const onEvent = (event: automation.EngineEvent): void => {
            const known = timeline.length;
            record(event);
            timeline.slice(known).forEach((entry) => options.onTimeline?.(entry));
        };
        const result = await (await this.stack()).up({ onEvent, refresh: options.refresh });
        return { steps, timeline, result };
    }

    async destroy(): Promise<void> {
        await (await this.stack()).destroy();
    }

    /** The stack's resources as the state holds them. */
    async resources(): Promise<StateResource[]> {
        const exported = await (await this.stack()).exportStack();
        return (exported.deployment as { resources?: StateResource[] }).resources ?? [];
    }

    async remove(): Promise<void> {
        const stack = await this.stack();
        await stack.workspace.removeStack(this.stackName);
        this.folder.remove();
    }

    /** A suite's teardown: destroy what is left, remove the stack and the folder, then Istio's CRDs; never throws. */
    async discard(): Promise<void> {
        await this.destroy().catch((error) => console.log(`destroy failed: ${error}`));
        await this.remove().catch(() => undefined);
        deleteIstioCrds();
    }
}

/** What every suite's workspace needs from the environment: the charts folder and the cluster. */
export function clusterEnv(): Record<string, string> {
    return { [CHARTS_DIRECTORY_ENV]: process.env[CHARTS_DIRECTORY_ENV] ?? "", KUBECONFIG: process.env.KUBECONFIG ?? "" };
}

/**
 * Deletes Istio's CRDs (of the cluster in KUBECONFIG), which a destroy keeps (Istio marks them
 * helm.sh/resource-policy: keep), and waits until they are gone, so that the next suite or run starts from an empty
 * cluster.
 */
export function deleteIstioCrds(): void {
    const names = kubectl(["get", "crd", "-o", "name"]).split("\n").filter((name) => name.endsWith(".istio.io"));
    if (names.length > 0) {
        kubectl(["delete", "--ignore-not-found", "--wait=true", ...names]);
    }
}

/** An engine event handler that records each step as it starts (and, with `timeline`, as it starts and finishes). */
export function collect(steps: Step[], timeline?: TimelineEntry[]): (event: automation.EngineEvent) => void {
    return (event) => {
        const started = event.resourcePreEvent?.metadata;
        if (started !== undefined) {
            const name = started.urn.split("::").pop()!;
            steps.push({ op: started.op, type: started.type, name, diffs: started.diffs ?? [] });
            timeline?.push({ phase: "start", op: started.op, type: started.type, name });
        }
        const finished = event.resOutputsEvent?.metadata;
        if (finished !== undefined) {
            timeline?.push({ phase: "done", op: finished.op, type: finished.type, name: finished.urn.split("::").pop()! });
        }
    };
}

/** The steps that change something (everything but "same", reads and the refresh of a resource's state). */
export function changes(steps: readonly Step[]): Step[] {
    return steps.filter((step) => step.op !== "same" && step.op !== "read" && step.op !== "refresh");
}
