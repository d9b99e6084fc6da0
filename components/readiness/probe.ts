/**
 * What "istiod serves" means, as the readiness gate checks it: for every revision, a pod created with a server-side
 * dry run comes back injected by that revision's injector; and, when validation fails closed, the validation webhook
 * rejects an invalid Istio resource (it answers). Pure functions over what kubectl returned; gate.ts runs them.
 */
import { CheckResult, DryRunOutcome, DryRunPod, injectedBy, validationAnswers } from "../verify/checks";

export interface ProbeSettings {
    readonly istioNamespace: string;
    /** The revisions whose injectors must answer. */
    readonly revisions: readonly string[];
    readonly interception: "init" | "cni";
    /** Check the validation webhook too: it fails closed (failurePolicy Fail), so Istio resources need it. */
    readonly validation: boolean;
    /** Where the dry-run pods are created: a namespace that exists everywhere and that no injector selects by label. */
    readonly probeNamespace: string;
}

/** Istio's documented example of a resource that only istiod's validation rejects: a Gateway without servers. */
export function invalidIstioResource(namespace: string): object {
    return {
        apiVersion: "networking.istio.io/v1",
        kind: "Gateway",
        metadata: { name: "mesh-readiness-probe", namespace },
        spec: { selector: { istio: "ingressgateway" } },
    };
}

/**
 * A pod that only the revision's own injector selects (its `rev.object.sidecar-injector.istio.io` webhook matches
 * pods labeled `istio.io/rev=<revision>` in namespaces without injection labels): each revision is probed directly,
 * not through a tag.
 */
export function probePod(namespace: string, revision: string): object {
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: `mesh-readiness-probe-${revision}`, namespace, labels: { app: "mesh-readiness-probe", "istio.io/rev": revision } },
        spec: { containers: [{ name: "app", image: "registry.k8s.io/pause:3.10" }] },
    };
}

/** The injection labels that make a namespace's own label, not the pod's, choose the injector. */
const NAMESPACE_INJECTION_LABELS = ["istio-injection", "istio.io/rev"];

/** Why the probe namespace cannot probe each revision, or undefined when it can. Pure. */
export function probeNamespaceProblem(namespace: string, labels: Readonly<Record<string, string>> | undefined): string | undefined {
    if (labels === undefined) {
        return `namespace ${namespace} does not exist: the injector is probed with a dry-run pod there`;
    }
    const label = NAMESPACE_INJECTION_LABELS.find((key) => labels[key] !== undefined);
    return label === undefined ? undefined : `namespace ${namespace} carries ${label}=${labels[label]}, so its label, not the probe's, chooses the injector`;
}

/** A dry-run pod as the checks read it, from kubectl's JSON output or its error. Pure. */
export function dryRunPodFrom(outcome: DryRunOutcome & { readonly object?: unknown }): DryRunPod {
    if (!outcome.created) {
        return { containers: [], initContainers: [], sidecars: [], error: outcome.message };
    }
    const pod = outcome.object as {
        metadata?: { annotations?: Record<string, string> };
        spec?: { containers?: { name: string }[]; initContainers?: { name: string; restartPolicy?: string }[] };
    };
    const initContainers = pod.spec?.initContainers ?? [];
    return {
        containers: (pod.spec?.containers ?? []).map((container) => container.name),
        initContainers: initContainers.map((container) => container.name),
        sidecars: initContainers.filter((container) => container.restartPolicy === "Always").map((container) => container.name),
        injectionStatus: pod.metadata?.annotations?.["sidecar.istio.io/status"],
    };
}

export interface ProbeRound {
    /** The injection check's result per revision. */
    readonly injection: Readonly<Record<string, CheckResult>>;
    readonly validation?: CheckResult;
}

/** Judges one round of probes. Pure. */
export function judgeRound(settings: ProbeSettings, pods: Readonly<Record<string, DryRunPod>>, validation: DryRunOutcome | undefined): ProbeRound {
    return {
        injection: Object.fromEntries(
            settings.revisions.map((revision) => [revision, injectedBy(settings.probeNamespace, revision, settings.interception, pods[revision])]),
        ),
        ...(settings.validation && validation !== undefined ? { validation: validationAnswers(validation) } : {}),
    };
}

/** The checks of a round that do not pass yet. Pure. */
export function pending(round: ProbeRound): CheckResult[] {
    return [...Object.values(round.injection), ...(round.validation !== undefined ? [round.validation] : [])].filter((result) => result.status !== "ok");
}

/** What the gate reports once istiod serves (or what it skipped). Pure. */
export function servingReport(settings: ProbeSettings): string[] {
    return [
        ...settings.revisions.map((revision) => `the injector of ${revision} answers (a dry-run pod in ${settings.probeNamespace} came back injected)`),
        settings.validation
            ? "the validation webhook answers (an invalid Istio resource was rejected)"
            : "validation not checked: it fails open (webhooks.validationFailurePolicy: Ignore)",
    ];
}

/** What the gate says when told to skip the probes. Pure. */
export function skippedReport(revisions: readonly string[]): string[] {
    return [
        `skipped: the injector check of ${revisions.join(", ")} and the validation check (readiness.probe: skip); ` +
            "only istiod's Deployments being ready was waited for",
    ];
}
