/**
 * The readiness gate: a resource that is created (or updated) only once istiod serves, so that everything that starts
 * pods or creates Istio resources can depend on it. "Serves" is what probe.ts checks: each revision's injector
 * injects a dry-run pod, and the validation webhook answers when it fails closed. It replaces the kubernetes
 * provider's Service await (Endpoints, then a fixed 10 s), which proves neither.
 *
 * The probes run again whenever a revision, its version or istiod's values change (an upgrade, a rollout). With
 * `probe: "skip"` (a cluster where no istiod can answer, such as the local cluster of scripts/cluster.sh) the gate
 * says what it skipped and passes at once: istiod's Deployments being ready is then all that was waited for.
 */
import * as pulumi from "@pulumi/pulumi";
import { DryRunOutcome, DryRunPod } from "../verify/checks";
import { kubectlFor } from "../lifecycle/kube";
import { dryRunPodFrom, invalidIstioResource, judgeRound, pending, probeNamespaceProblem, probePod, ProbeSettings, servingReport, skippedReport } from "./probe";

export type ProbeMode = "serving" | "skip";

export interface GateInputs extends ProbeSettings {
    readonly mode: ProbeMode;
    readonly timeoutSeconds: number;
    /** A digest of what istiod runs (versions, chart values): a change probes again. */
    readonly istiodDigest: string;
    readonly kubeconfig?: string;
    readonly context?: string;
}

interface GateState extends GateInputs {
    /** What was checked, or skipped. */
    readonly report: string[];
}

export interface ReadinessGateArgs {
    readonly istioNamespace: pulumi.Input<string>;
    readonly revisions: pulumi.Input<pulumi.Input<string>[]>;
    readonly interception: pulumi.Input<"init" | "cni">;
    readonly validation: pulumi.Input<boolean>;
    readonly probeNamespace: pulumi.Input<string>;
    readonly mode: pulumi.Input<ProbeMode>;
    readonly timeoutSeconds: pulumi.Input<number>;
    readonly istiodDigest: pulumi.Input<string>;
    readonly kubeconfig?: pulumi.Input<string>;
    readonly context?: pulumi.Input<string>;
}

/** The inputs whose change probes again. Pure. */
export function reprobeReasons(olds: GateInputs, news: GateInputs): string[] {
    const keys: (keyof GateInputs)[] = ["istioNamespace", "revisions", "interception", "validation", "probeNamespace", "mode", "istiodDigest"];
    return keys.filter((key) => JSON.stringify(olds[key]) !== JSON.stringify(news[key]));
}

/** Runs the probes until every check passes, or throws once the timeout is over, naming what did not answer. */
async function waitUntilServing(inputs: GateInputs): Promise<string[]> {
    if (inputs.mode === "skip") {
        return skippedReport(inputs.revisions);
    }
    const kubectl = kubectlFor({ kubeconfig: inputs.kubeconfig, context: inputs.context });
    const dryRun = async (object: object): Promise<DryRunOutcome & { object?: unknown }> => {
        const result = await kubectl.run(["create", "--dry-run=server", "-o", "json", "-f", "-"], JSON.stringify(object));
        return result.ok ? { created: true, object: JSON.parse(result.stdout) as unknown } : { created: false, message: result.error };
    };
    try {
        const deadline = Date.now() + inputs.timeoutSeconds * 1000;
        let namespaceChecked = false;
        for (;;) {
            if (!namespaceChecked) {
                const namespace = await kubectl.run(["get", "namespace", inputs.probeNamespace, "-o", "json"]);
                if (!namespace.ok && !/NotFound/.test(namespace.error)) {
                    // The API server did not answer: try again until the deadline.
                    if (Date.now() > deadline) {
                        throw new Error(`the readiness gate cannot read the cluster: ${namespace.error.split("\n")[0]}`);
                    }
                    await new Promise((resolve) => setTimeout(resolve, 1000));
                    continue;
                }
                const labels = namespace.ok ? ((JSON.parse(namespace.stdout) as { metadata: { labels?: Record<string, string> } }).metadata.labels ?? {}) : undefined;
                const problem = probeNamespaceProblem(inputs.probeNamespace, labels);
                if (problem !== undefined) {
                    throw new Error(`the readiness gate cannot probe istiod: ${problem}. Fix: set readiness.probeNamespace to a namespace without injection labels`);
                }
                namespaceChecked = true;
            }
            const pods: Record<string, DryRunPod> = {};
            for (const revision of inputs.revisions) {
                pods[revision] = dryRunPodFrom(await dryRun(probePod(inputs.probeNamespace, revision)));
            }
            const validation = inputs.validation ? await dryRun(invalidIstioResource(inputs.istioNamespace)) : undefined;
            const failing = pending(judgeRound(inputs, pods, validation));
            if (failing.length === 0) {
                return servingReport(inputs);
            }
            if (Date.now() > deadline) {
                throw new Error(
                    `istiod does not serve after ${inputs.timeoutSeconds} s: ${failing.map((result) => `${result.check}: ${result.detail}`).join("; ")}. ` +
                        `Check istiod's pods (kubectl -n ${inputs.istioNamespace} get pods -l app=istiod) and that the API server reaches them on port 15017`,
                );
            }
            await new Promise((resolve) => setTimeout(resolve, 1000));
        }
    } finally {
        kubectl.close();
    }
}

const provider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: GateInputs): Promise<pulumi.dynamic.CreateResult> {
        const report = await waitUntilServing(inputs);
        return { id: `${inputs.istioNamespace}/${inputs.revisions.join(",")}`, outs: { ...inputs, report } satisfies GateState };
    },
    async diff(_id: string, olds: GateState, news: GateInputs): Promise<pulumi.dynamic.DiffResult> {
        const reasons = reprobeReasons(olds, news);
        const quiet = olds.timeoutSeconds !== news.timeoutSeconds || olds.kubeconfig !== news.kubeconfig || olds.context !== news.context;
        return { changes: reasons.length > 0 || quiet, replaces: [], deleteBeforeReplace: false };
    },
    async update(_id: string, olds: GateState, news: GateInputs): Promise<pulumi.dynamic.UpdateResult> {
        const report = reprobeReasons(olds, news).length > 0 ? await waitUntilServing(news) : olds.report;
        return { outs: { ...news, report } satisfies GateState };
    },
};

export class ReadinessGate extends pulumi.dynamic.Resource {
    /** What was checked, or what was skipped. */
    declare readonly report: pulumi.Output<string[]>;

    constructor(name: string, args: ReadinessGateArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            provider,
            name,
            { ...args, ...(args.kubeconfig !== undefined ? { kubeconfig: pulumi.secret(args.kubeconfig) } : {}), report: undefined },
            opts,
            "readiness",
            "ReadinessGate",
        );
    }
}
