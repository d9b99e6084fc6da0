/**
 * Which pods run which revision's proxies, read from the live cluster, and what that means for a change:
 *
 * - removing a revision (it runs on the cluster, the configuration no longer has it) while pods still run its proxies
 *   cuts those proxies off their control plane: refused, with the count and the namespaces, unless forced;
 * - after a tag moves, pods keep the proxies of the revision that injected them until they restart: the preview of
 *   the move warns with the count and the namespaces of the pods it leaves behind, and verify lists them as needing
 *   a restart.
 *
 * The judging functions are pure; readLiveMesh reads the cluster with kubectl.
 */
import * as pulumi from "@pulumi/pulumi";
import { CheckResult } from "../verify/checks";
import { KubeAccess, kubectlSync } from "./kube";
import { INSTANCE_LABEL } from "./keptPodLabels";
import { PATCH_FORCE_ANNOTATION } from "./ownership";

/** A pod that runs an Istio proxy, and the revision whose injector put it there. */
export interface ProxyPod {
    readonly namespace: string;
    readonly name: string;
    readonly revision: string;
}

export interface LiveMesh {
    /** Revisions with an istiod Deployment in the Istio namespace. */
    readonly revisions: readonly string[];
    /**
     * Those of them applied by this project (their Deployment carries the forced-ownership annotation): only these
     * can be removed by a change of the configuration; an istiod installed otherwise is never the stack's to remove.
     * Undefined: all of them.
     */
    readonly owned?: readonly string[];
    readonly proxies: readonly ProxyPod[];
    /** The revision tags on the cluster (tag -> revision), from their injection webhooks; undefined: not read. */
    readonly tags?: Readonly<Record<string, string>>;
    /** istiod Deployment name -> its pod template's `app.kubernetes.io/instance` label (keptPodLabels.ts). */
    readonly podInstanceLabels?: Readonly<Record<string, string>>;
}

export interface RevisionUse {
    readonly revision: string;
    readonly pods: number;
    /** Namespace -> pods, sorted by namespace. */
    readonly namespaces: Readonly<Record<string, number>>;
}

/** Pods per revision and namespace. Pure. */
export function census(proxies: readonly ProxyPod[]): Record<string, RevisionUse> {
    const uses: Record<string, { pods: number; namespaces: Record<string, number> }> = {};
    for (const pod of proxies) {
        const use = (uses[pod.revision] ??= { pods: 0, namespaces: {} });
        use.pods += 1;
        use.namespaces[pod.namespace] = (use.namespaces[pod.namespace] ?? 0) + 1;
    }
    return Object.fromEntries(
        Object.entries(uses)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([revision, use]) => [
                revision,
                { revision, pods: use.pods, namespaces: Object.fromEntries(Object.entries(use.namespaces).sort(([a], [b]) => a.localeCompare(b))) },
            ]),
    );
}

function namespaceList(use: RevisionUse): string {
    return Object.entries(use.namespaces)
        .map(([namespace, pods]) => `${namespace} (${pods})`)
        .join(", ");
}

/** The revisions being removed: on the cluster, not in the configuration. Pure. */
export function removedRevisions(live: LiveMesh, configured: readonly string[]): string[] {
    return (live.owned ?? live.revisions).filter((revision) => !configured.includes(revision)).sort();
}

/**
 * One message per revision that the change removes while pods still run its proxies; empty when the removal is safe.
 * Pure.
 */
export function unsafeRemovals(live: LiveMesh, configured: readonly string[]): string[] {
    const uses = census(live.proxies);
    return removedRevisions(live, configured).flatMap((revision) => {
        const use = uses[revision];
        return use === undefined
            ? []
            : [
                  `revision ${revision} is removed, but ${use.pods} pod(s) still run its proxies, in ${namespaceList(use)}: ` +
                      "they would lose their control plane. Fix: move those namespaces to another revision or tag and restart " +
                      "their workloads first (npm run verify lists them), or set lifecycle.forceRevisionRemoval: true",
              ];
    });
}

/** A tag the change points at another revision than the cluster's. */
export interface TagMove {
    readonly tag: string;
    readonly from: string;
    readonly to: string;
}

/** The tags that move: on the cluster at one revision, configured at another (a new tag moves nothing). Pure. */
export function movedTags(liveTags: Readonly<Record<string, string>>, configured: Readonly<Record<string, string>>): TagMove[] {
    return Object.entries(configured)
        .filter(([tag, revision]) => liveTags[tag] !== undefined && liveTags[tag] !== revision)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([tag, to]) => ({ tag, from: liveTags[tag], to }));
}

/**
 * One warning per tag the change moves while pods of the namespaces that follow it (`namespaceTags`: namespace ->
 * tag) still run the proxies of the revision it leaves: they keep those proxies until they restart, so the old
 * revision must keep running until they do. A warning, not a refusal: the move is the canary's step, and it cuts
 * nobody off (the revision it leaves still runs; removing it is what the removal guard refuses). Pure.
 */
export function tagMoveWarnings(live: LiveMesh, configured: Readonly<Record<string, string>>, namespaceTags: Readonly<Record<string, string>>): string[] {
    return movedTags(live.tags ?? {}, configured).flatMap((move) => {
        const left = live.proxies.filter((pod) => namespaceTags[pod.namespace] === move.tag && pod.revision === move.from);
        const use = census(left)[move.from];
        return use === undefined
            ? []
            : [
                  `tag ${move.tag} moves from ${move.from} to ${move.to}: ${use.pods} pod(s) in ${namespaceList(use)} still run the proxies of ` +
                      `${move.from} and keep them until they restart. Restart their workloads after this up (npm run verify lists them), ` +
                      `and keep revision ${move.from} until they have`,
              ];
    });
}

/** The error that stops a preview or an up before anything changes; the message alone is shown. */
export class RevisionInUseError extends pulumi.RunError {
    constructor(readonly problems: readonly string[], stackName?: string) {
        super(
            `Unsafe revision removal${stackName ? ` in stack "${stackName}"` : ""}; nothing was changed:\n` +
                problems.map((problem) => `  - ${problem}`).join("\n"),
        );
        this.name = "RevisionInUseError";
        this.stack = `${this.name}: ${this.message}`;
    }
}

/**
 * verify's census: the pods of every revision, and those whose proxy is not the revision their namespace's label
 * selects now (they need a restart, e.g. after a tag moved). `expected` maps namespace -> revision. Pure.
 */
export function censusChecks(live: LiveMesh, expected: Readonly<Record<string, string>>): CheckResult[] {
    const uses = census(live.proxies);
    const results: CheckResult[] = Object.values(uses).map((use) => ({
        check: `pods running proxies of ${use.revision}`,
        status: live.revisions.includes(use.revision) ? "ok" : "fail",
        detail: live.revisions.includes(use.revision)
            ? `${use.pods} pod(s): ${namespaceList(use)}`
            : `${use.pods} pod(s) in ${namespaceList(use)}, and no istiod of that revision runs: restart them`,
    }));
    const stale = live.proxies.filter((pod) => expected[pod.namespace] !== undefined && expected[pod.namespace] !== pod.revision);
    for (const [namespace, pods] of Object.entries(groupByNamespace(stale))) {
        results.push({
            check: `namespace ${namespace} runs the proxies of its revision`,
            status: "warn",
            detail: `${pods.length} pod(s) still run ${[...new Set(pods.map((pod) => pod.revision))].join(", ")}, the namespace selects ${expected[namespace]}: restart them (${pods
                .map((pod) => pod.name)
                .slice(0, 5)
                .join(", ")}${pods.length > 5 ? ", ..." : ""})`,
        });
    }
    return results;
}

function groupByNamespace(pods: readonly ProxyPod[]): Record<string, ProxyPod[]> {
    const groups: Record<string, ProxyPod[]> = {};
    for (const pod of [...pods].sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name))) {
        (groups[pod.namespace] ??= []).push(pod);
    }
    return groups;
}

/**
 * A proxy pod from one line of the kubectl listing (namespace, name, istio.io/rev label, sidecar.istio.io/status),
 * undefined for a pod that runs no proxy (istiod's own pods carry the label too). Pure.
 */
export function proxyPodFrom(line: string): ProxyPod | undefined {
    const [namespace, name, label, status] = line.split("\t");
    if (!namespace || !name || !status) {
        return undefined;
    }
    let revision: string | undefined;
    try {
        revision = (JSON.parse(status) as { revision?: string }).revision;
    } catch {
        revision = undefined;
    }
    return { namespace, name, revision: revision || label || "default" };
}

const PODS_TEMPLATE =
    '{range .items[*]}{.metadata.namespace}{"\\t"}{.metadata.name}{"\\t"}{.metadata.labels.istio\\.io/rev}{"\\t"}' +
    '{.metadata.annotations.sidecar\\.istio\\.io/status}{"\\n"}{end}';

/** Tag -> revision from the listing of the tags' injection webhooks (tag, revision per line). Pure. */
export function tagsFrom(listing: string): Record<string, string> {
    return Object.fromEntries(
        listing
            .split("\n")
            .map((line) => line.split("\t"))
            .filter(([tag, revision]) => tag && revision),
    );
}

const ISTIOD_AND_TAGS_TEMPLATE =
    `{range .items[*]}{.kind}{"\\t"}{.metadata.labels.app}{"\\t"}{.metadata.labels.istio\\.io/tag}{"\\t"}{.metadata.labels.istio\\.io/rev}{"\\t"}` +
    `{.metadata.annotations.${PATCH_FORCE_ANNOTATION.replace(/\./g, "\\.")}}{"\\t"}{.metadata.name}{"\\t"}` +
    `{.spec.template.metadata.labels.${INSTANCE_LABEL.replace(/\./g, "\\.")}}{"\\n"}{end}`;

/**
 * The revisions, their owners and pod instance labels, and the tags, from one listing of the Istio namespace's
 * Deployments and the cluster's mutating webhooks (ISTIOD_AND_TAGS_TEMPLATE): istiod is a Deployment labelled
 * app=istiod, a tag a webhook labelled istio.io/tag. Pure.
 */
export function istiodAndTagsFrom(listing: string): Omit<LiveMesh, "proxies"> {
    const lines = listing
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => line.split("\t"));
    const deployments = lines.filter(([kind, app]) => kind === "Deployment" && app === "istiod").map(([, , , ...rest]) => rest);
    const tags = tagsFrom(
        lines
            .filter(([kind]) => kind === "MutatingWebhookConfiguration")
            .map(([, , tag, revision]) => `${tag}\t${revision}`)
            .join("\n"),
    );
    return {
        revisions: deployments.map(([revision]) => revision),
        owned: deployments.filter(([, forced]) => forced === "true").map(([revision]) => revision),
        podInstanceLabels: Object.fromEntries(deployments.filter(([, , name, instance]) => name && instance).map(([, , name, instance]) => [name, instance])),
        tags,
    };
}

/**
 * Reads the revisions installed in the Istio namespace and the revision tags (one kubectl call), and the pods that
 * run proxies (only when asked: `withPods`).
 */
export function readLiveMesh(
    access: KubeAccess,
    istioNamespace: string,
    withPods: (owned: readonly string[], tags: Readonly<Record<string, string>>) => boolean,
): LiveMesh {
    const live = istiodAndTagsFrom(
        kubectlSync(access, ["get", "deployments.apps,mutatingwebhookconfigurations.admissionregistration.k8s.io", "-n", istioNamespace, "-o", `jsonpath=${ISTIOD_AND_TAGS_TEMPLATE}`]),
    );
    if (!withPods(live.owned ?? [], live.tags ?? {})) {
        return { ...live, proxies: [] };
    }
    const proxies = kubectlSync(access, ["get", "pods", "--all-namespaces", "-l", "istio.io/rev", "-o", `jsonpath=${PODS_TEMPLATE}`])
        .split("\n")
        .map(proxyPodFrom)
        .filter((pod): pod is ProxyPod => pod !== undefined);
    return { ...live, proxies };
}
