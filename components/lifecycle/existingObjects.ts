/**
 * An adoption shown as what it is (`lifecycle.adoptExisting`): every Kubernetes object the stack registers that
 * already exists in the cluster gets the `import` resource option with the kubernetes provider's ID of it
 * (`namespace/name`, or `name` for a cluster-scoped object). The engine then reads the live object into the state
 * (`= import`) and diffs the stack's object against it: the preview and the up show an import followed by an update
 * in place (`~ update`), applied with server-side apply as every update is (lifecycle/ownership.ts), instead of a
 * create of an object that is in fact there.
 *
 * Only objects that exist get the option (the import of a missing object fails), so the cluster is read: one listing
 * per kind and namespace, the first time an object of that kind is registered, shared by the others. The engine
 * ignores the option for an object already in the state under the same ID, so the key may stay on after the adoption;
 * it only costs those listings on every run.
 */
import * as pulumi from "@pulumi/pulumi";
import { KubeAccess, Kubectl, kubectlFor } from "./kube";
import { isKubernetesObject } from "./ownership";

/** What kubectl lists to find one object: its kind, fully qualified, and the namespace it is applied to. */
export interface ObjectRef {
    /** `Kind.version.group` (the core group is empty: `Service.v1.`), what kubectl takes without ambiguity. */
    readonly resource: string;
    readonly namespace: string;
    readonly name: string;
}

/** The kubernetes provider's own types (Helm releases, charts, YAML and Kustomize groups): not objects of the cluster. */
const PROVIDER_GROUPS = new Set(["helm.sh", "yaml", "kustomize"]);

/** The namespace of an object applied without one (the kubernetes provider's default). */
const DEFAULT_NAMESPACE = "default";

interface KubernetesObject {
    readonly metadata?: { readonly name?: unknown; readonly namespace?: unknown; readonly [key: string]: unknown };
    readonly [key: string]: unknown;
}

/**
 * The object to look for, from the resource's type token (`kubernetes:apps/v1:Deployment`) and inputs; undefined for
 * what is never imported: the provider's own types (a Helm release, a chart), patches (they change an object someone
 * else owns), lists, and objects whose name or namespace is not known yet (an Output: made by another resource of the
 * program, not by an earlier install). Pure.
 */
export function objectRef(type: string, props: KubernetesObject): ObjectRef | undefined {
    const match = /^kubernetes:([^:/]+)\/([^:/]+):([A-Za-z0-9]+)$/.exec(type);
    if (match === null) {
        return undefined;
    }
    const [, group, version, kind] = match;
    if (PROVIDER_GROUPS.has(group) || kind.endsWith("Patch") || kind.endsWith("List")) {
        return undefined;
    }
    const name = props.metadata?.name;
    const namespace = props.metadata?.namespace ?? DEFAULT_NAMESPACE;
    if (typeof name !== "string" || name === "" || typeof namespace !== "string") {
        return undefined;
    }
    return { resource: `${kind}.${version}.${group === "core" ? "" : group}`, namespace, name };
}

/**
 * The IDs of the objects of one listing (`namespace/name` per line, `/name` for a cluster-scoped kind, which kubectl
 * lists whatever the namespace asked for), as the kubernetes provider writes them. Pure.
 */
export function idsFrom(listing: string): Set<string> {
    return new Set(
        listing
            .split("\n")
            .map((line) => line.trim())
            .filter((line) => line !== "")
            .map((line) => (line.startsWith("/") ? line.slice(1) : line)),
    );
}

/** The ID of the object in a listing of its kind, undefined when it does not exist. Pure. */
export function idIn(ids: ReadonlySet<string>, ref: ObjectRef): string | undefined {
    const namespaced = `${ref.namespace}/${ref.name}`;
    return ids.has(namespaced) ? namespaced : ids.has(ref.name) ? ref.name : undefined;
}

/** kubectl's answer for a kind the API server does not serve (its CRD is not installed): nothing of it exists. */
const NO_SUCH_KIND = /doesn't have a resource type|could not find the requested resource/;

const LISTING_TEMPLATE = 'jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name}{"\\n"}{end}';

/** Answers "does this object exist, under which ID", listing each kind and namespace once. */
export type ExistingObjects = (ref: ObjectRef) => Promise<string | undefined>;

/** The lookup over a kubectl runner; a listing that fails (other than for a kind not served) fails the lookup. */
export function existingObjects(kubectl: Kubectl): ExistingObjects {
    const listings = new Map<string, Promise<Set<string>>>();
    const list = (resource: string, namespace: string): Promise<Set<string>> => {
        const key = `${resource} ${namespace}`;
        let listing = listings.get(key);
        if (listing === undefined) {
            listing = kubectl(["get", resource, "-n", namespace, "-o", LISTING_TEMPLATE]).then((result) => {
                if (result.ok) {
                    return idsFrom(result.stdout);
                }
                if (NO_SUCH_KIND.test(result.error)) {
                    return new Set<string>();
                }
                throw new Error(
                    `lifecycle.adoptExisting: the cluster's ${resource} objects in ${namespace} could not be listed (${result.error.split("\n")[0]}). ` +
                        "Fix: make the cluster reachable with mesh.cluster, or set lifecycle.adoptExisting: false",
                );
            });
            listings.set(key, listing);
        }
        return listing;
    };
    return async (ref) => idIn(await list(ref.resource, ref.namespace), ref);
}

/** kubectl for the mesh's cluster, one temporary kubeconfig per call (removed after it). */
export function kubectlLister(access: KubeAccess): Kubectl {
    return async (args, input) => {
        const { run, close } = kubectlFor(access);
        try {
            return await run(args, input);
        } finally {
            close();
        }
    };
}

/**
 * The transform for the mesh's children: an object that exists gets `import` with its ID; any other resource is left
 * as it is (returns undefined). An `import` set by the program is kept.
 */
export function adoptExistingTransform(lookup: ExistingObjects): pulumi.ResourceTransform {
    return async (args) => {
        // The engine hands options over with an empty import ID when none is set.
        if (!isKubernetesObject(args.type, args.custom) || (args.opts as pulumi.CustomResourceOptions).import) {
            return undefined;
        }
        const ref = objectRef(args.type, args.props as KubernetesObject);
        if (ref === undefined) {
            return undefined;
        }
        const id = await lookup(ref);
        return id === undefined ? undefined : { props: args.props, opts: { ...args.opts, import: id } };
    };
}
