/**
 * A throwaway Pulumi workspace for one end-to-end run: the project's program in a temporary folder (links to the
 * sources, its own stack file), a unique stack, and the engine events of each operation.
 */
import * as automation from "@pulumi/pulumi/automation";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { CHARTS_DIRECTORY_ENV } from "../../components/config/load";
import { kubectl } from "../../components/verify/kubectl";

export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");
const LINKED = ["index.ts", "components", "node_modules", "package.json", "tsconfig.json", "Pulumi.yaml", "policy"];

export interface Step {
    readonly op: string;
    readonly type: string;
    /** The resource's name as the URN ends with it. */
    readonly name: string;
    readonly diffs: readonly string[];
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
    private stackPromise?: Promise<automation.Stack>;

    /**
     * A unique stack `<prefix>-<time>`; or, with `stackName`, that exact name in a backend of its own (a temporary
     * folder), for what depends on the stack's name, such as the policy pack's prod rules.
     */
    constructor(prefix: string, private readonly env: Record<string, string>, stackName?: string) {
        this.stackName = stackName ?? `${prefix}-${Date.now().toString(36)}`;
        this.workDir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
        if (stackName !== undefined) {
            const backend = path.join(this.workDir, ".state");
            fs.mkdirSync(backend);
            this.env = { ...env, PULUMI_BACKEND_URL: `file://${backend}` };
        }
        for (const entry of LINKED) {
            fs.symlinkSync(path.join(PROJECT_ROOT, entry), path.join(this.workDir, entry));
        }
    }

    /** Writes the stack file with this mesh configuration. */
    configure(mesh: Record<string, unknown>): void {
        fs.writeFileSync(
            path.join(this.workDir, `Pulumi.${this.stackName}.yaml`),
            stringify({ config: { "istio-mesh:mesh": mesh } }),
        );
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

    async up(options: { refresh?: boolean } = {}): Promise<{ steps: Step[]; result: automation.UpResult }> {
        const steps: Step[] = [];
        const result = await (await this.stack()).up({ onEvent: collect(steps), refresh: options.refresh });
        return { steps, result };
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
        fs.rmSync(this.workDir, { recursive: true, force: true });
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
 * Deletes Istio's CRDs, which a destroy keeps (Istio marks them helm.sh/resource-policy: keep), so that the next
 * suite starts from an empty cluster.
 */
export function deleteIstioCrds(): void {
    const names = kubectl(["get", "crd", "-o", "name"]).split("\n").filter((name) => name.endsWith(".istio.io"));
    if (names.length > 0) {
        kubectl(["delete", "--ignore-not-found", ...names]);
    }
}

function collect(steps: Step[]): (event: automation.EngineEvent) => void {
    return (event) => {
        const metadata = event.resourcePreEvent?.metadata;
        if (metadata !== undefined) {
            steps.push({ op: metadata.op, type: metadata.type, name: metadata.urn.split("::").pop()!, diffs: metadata.diffs ?? [] });
        }
    };
}

/** The steps that change something (everything but "same", reads and the refresh of a resource's state). */
export function changes(steps: readonly Step[]): Step[] {
    return steps.filter((step) => step.op !== "same" && step.op !== "read" && step.op !== "refresh");
}
