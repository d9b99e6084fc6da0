/**
 * The guard of a revision's removal, run by the program before any resource is registered (so at preview too): the
 * live cluster says which revisions run and which pods run their proxies; removing one that pods still use stops
 * here, unless forced. Moving a tag to another revision while pods of its namespaces still run the one it leaves is
 * a warning with their count and namespaces (they need a restart after the up).
 */
import * as pulumi from "@pulumi/pulumi";
import { hasCluster, KubeAccess } from "./kube";
import { LiveMesh, movedTags, readLiveMesh, removedRevisions, RevisionInUseError, tagMoveWarnings, unsafeRemovals } from "./revisionCensus";

export interface RemovalGuardSettings {
    readonly istioNamespace: string;
    /** The revisions the configuration keeps. */
    readonly revisions: readonly string[];
    /** The revision tags the configuration sets (tag -> revision). */
    readonly tags: Readonly<Record<string, string>>;
    /** The stack's namespaces that follow a tag (namespace -> tag). */
    readonly namespaceTags: Readonly<Record<string, string>>;
    readonly cluster: KubeAccess;
    /** Remove revisions even while pods run their proxies (they lose their control plane). */
    readonly force: boolean;
}

/**
 * The guard's settings for a mesh: its revisions, and its cluster as kubectl reaches it. Undefined when the
 * kubeconfig is an Output (known only at deployment): the live cluster cannot be read before the children exist.
 */
export function removalGuardFor(
    settings: {
        readonly namespace: string;
        readonly istio: { readonly revisions: readonly { readonly name: string }[]; readonly tags: Readonly<Record<string, string>> };
        readonly namespaces: readonly { readonly name: string; readonly target: { readonly tag: string } | { readonly revision: string } }[];
        readonly lifecycle: { readonly forceRevisionRemoval: boolean };
    },
    cluster: { readonly kubeconfig?: pulumi.Input<string>; readonly context?: string } | undefined,
): RemovalGuardSettings | undefined {
    const kubeconfig = cluster?.kubeconfig;
    if (kubeconfig !== undefined && typeof kubeconfig !== "string") {
        return undefined;
    }
    return {
        istioNamespace: settings.namespace,
        revisions: settings.istio.revisions.map((revision) => revision.name),
        tags: settings.istio.tags,
        namespaceTags: Object.fromEntries(settings.namespaces.flatMap((namespace) => ("tag" in namespace.target ? [[namespace.name, namespace.target.tag]] : []))),
        cluster: { kubeconfig, context: cluster?.context },
        force: settings.lifecycle.forceRevisionRemoval,
    };
}

export type LiveMeshReader = (
    access: KubeAccess,
    istioNamespace: string,
    withPods: (owned: readonly string[], tags: Readonly<Record<string, string>>) => boolean,
) => LiveMesh;

/**
 * Throws RevisionInUseError when the change removes a revision that pods still use; warns when forced. Warns of the
 * pods a tag move leaves on the revision it leaves. Returns what it read of the cluster (undefined: nothing).
 */
export function guardRevisionRemoval(settings: RemovalGuardSettings, stackName?: string, read: LiveMeshReader = readLiveMesh): LiveMesh | undefined {
    if (!hasCluster(settings.cluster)) {
        return undefined;
    }
    let live: LiveMesh;
    try {
        // Pods are listed only when a revision is about to go or a tag moves: the common case costs two small calls.
        live = read(
            settings.cluster,
            settings.istioNamespace,
            (owned, tags) => removedRevisions({ revisions: owned, proxies: [] }, settings.revisions).length > 0 || movedTags(tags, settings.tags).length > 0,
        );
    } catch (error) {
        pulumi.log.warn(`revision removal not checked: the cluster could not be read (${(error as Error).message.split("\n")[0]})`);
        return undefined;
    }
    for (const warning of tagMoveWarnings(live, settings.tags, settings.namespaceTags)) {
        pulumi.log.warn(warning);
    }
    const problems = unsafeRemovals(live, settings.revisions);
    if (problems.length === 0) {
        return live;
    }
    if (!settings.force) {
        throw new RevisionInUseError(problems, stackName);
    }
    for (const problem of problems) {
        pulumi.log.warn(`forced (lifecycle.forceRevisionRemoval): ${problem}`);
    }
    return live;
}
