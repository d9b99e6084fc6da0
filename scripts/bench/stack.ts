/** A stack of the bench, driven by the pulumi CLI (timed as a whole) in a project folder. */
import type { Context } from "./context";
import { log, measure, run, Sample } from "./processes";

export class BenchStack {
    constructor(
        readonly name: string,
        private readonly workDir: string,
        private readonly env: NodeJS.ProcessEnv,
        private readonly extraArgs: readonly string[],
        /** False for a stack that exists already (another program's folder on the same stack and state). */
        init = true,
    ) {
        if (init) {
            run("pulumi", ["stack", "init", name, "--non-interactive"], env, workDir);
        }
    }

    pulumi(args: readonly string[], timeoutSeconds = 3600, env: NodeJS.ProcessEnv = this.env): Promise<Sample> {
        return measure("pulumi", [...args, "--stack", this.name, "--non-interactive", ...this.extraArgs], {
            cwd: this.workDir,
            env,
            timeoutSeconds,
        });
    }

    up(timeoutSeconds?: number): Promise<Sample> {
        return this.pulumi(["up", "--yes", "--skip-preview"], timeoutSeconds);
    }

    /**
     * A preview as `npm run preview` runs it: scripts/pulumi.sh skips the engine's per-step state checkpoints for
     * previews (their state is discarded anyway). `--env PULUMI_SKIP_CHECKPOINTS=false` measures without. `extraEnv`:
     * settings of this preview only (a floor program's size).
     */
    preview(args: readonly string[] = [], extraEnv: NodeJS.ProcessEnv = {}): Promise<Sample> {
        return this.pulumi(["preview", ...args], 3600, { ...this.env, PULUMI_SKIP_CHECKPOINTS: this.env.PULUMI_SKIP_CHECKPOINTS ?? "true", ...extraEnv });
    }

    destroy(timeoutSeconds?: number): Promise<Sample> {
        return this.pulumi(["destroy", "--yes", "--skip-preview"], timeoutSeconds);
    }

    /** The exported state: its resources, and its size in bytes as the file backend writes it (compact JSON). */
    state(): { resources: { type: string; urn: string }[]; bytes: number } {
        const text = run("pulumi", ["stack", "export", "--stack", this.name], this.env, this.workDir);
        const exported = JSON.parse(text) as { deployment?: { resources?: { type: string; urn: string }[] } };
        return { resources: exported.deployment?.resources ?? [], bytes: Buffer.byteLength(JSON.stringify(exported)) };
    }

    /** Resources in the state (0 after a destroy). */
    resourceCount(): number {
        return this.state().resources.length;
    }
}

/** A stack of the mesh program (the shared project folder); destroyed at the step's end if anything is left. */
export class MeshStack extends BenchStack {
    constructor(private readonly context: Context, name: string) {
        super(name, context.folder.dir, context.env, context.options.pulumiArgs);
        context.cleanups.push(async () => {
            if (this.resourceCount() > 0) {
                log(`cleaning up: destroying stack ${name}`);
                await this.destroy();
            }
        });
    }

    configure(mesh: Record<string, unknown>): void {
        this.context.folder.configure(this.name, mesh);
    }
}

let stackCount = 0;

/** A unique stack name of the bench. */
export function stackName(label: string): string {
    return `bench-${label}-${++stackCount}`;
}

export function newMeshStack(context: Context, label: string): MeshStack {
    return new MeshStack(context, stackName(label));
}

/**
 * The bench's mesh: the smallest istiod, validation failing open and the readiness gate's probes skipped (nothing
 * serves the webhooks unless istiod runs).
 */
export function meshConfig(context: Context, version: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        istio: { version },
        istiod: { replicas: 1, resources: { requests: { cpu: "10m", memory: "64Mi" } } },
        webhooks: { validationFailurePolicy: "Ignore" },
        // No istiod runs on the local cluster: the readiness gate says it skips its probes.
        readiness: { probe: "skip" },
        namespaces: [{ name: "bench-shop" }],
        cluster: { kubeconfig: context.kubeconfig },
        ...overrides,
    };
}
