/**
 * The stack owns what it applies: every Kubernetes object it creates or updates is applied with server-side apply
 * forcing conflicts (the kubernetes provider's `pulumi.com/patchForce` annotation), so fields held by another field
 * manager are taken over instead of failing the update:
 *
 * - Istio's CRDs, which a destroy keeps (`helm.sh/resource-policy: keep`): the next install, of any supported release,
 *   takes them over from the field manager of the stack that created them;
 * - an existing install (istioctl's `istio-operator`, Helm's `helm` field manager): adopted in place;
 * - an object edited by hand (`kubectl edit` or `kubectl patch` take over the edited fields): the next `up` reverts it.
 *
 * Fields the stack does not apply are never touched, forced or not: istiod keeps the webhooks' `caBundle` it writes
 * (components/webhooks/drift.ts drops it from what the stack applies), controllers keep the status they write.
 */
import * as pulumi from "@pulumi/pulumi";

export const PATCH_FORCE_ANNOTATION = "pulumi.com/patchForce";

interface KubernetesObject {
    readonly metadata?: { readonly annotations?: Record<string, string>; readonly [key: string]: unknown };
    readonly [key: string]: unknown;
}

/** True for the types of the kubernetes provider's objects (not its components, such as helm.v4.Chart). */
export function isKubernetesObject(type: string, custom: boolean): boolean {
    return custom && type.startsWith("kubernetes:");
}

/** The object with the annotation that makes server-side apply force conflicts. Pure. */
export function withForcedOwnership<T extends KubernetesObject>(object: T): T {
    return {
        ...object,
        metadata: { ...object.metadata, annotations: { ...object.metadata?.annotations, [PATCH_FORCE_ANNOTATION]: "true" } },
    };
}

/** The transform: give it to the component whose Kubernetes objects the stack owns (it reaches charts' children). */
export const forcedOwnershipTransform: pulumi.ResourceTransform = (args) => {
    if (!isKubernetesObject(args.type, args.custom)) {
        return undefined;
    }
    return { props: withForcedOwnership(args.props as KubernetesObject), opts: args.opts };
};
