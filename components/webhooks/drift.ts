/**
 * Keeps the stack and istiod from fighting over the webhooks.
 *
 * At run time istiod writes `caBundle` into every injection and validation webhook it serves and, once it answers,
 * turns the validation webhooks' `failurePolicy` from Ignore to Fail. Istio's charts render Ignore on every fresh
 * install (helm.v4.Chart always renders as one), so an IaC tool that applies the chart's output either shows a diff
 * on every preview or puts Ignore back (istio/istio#44285, #52785; pulumi/pulumi-kubernetes#2210).
 *
 * The fix, as the Sail Operator does it: leave the fields istiod owns to istiod. This transform drops `caBundle`
 * from what the stack applies (so server-side apply never claims it) and writes the failure policy that istiod
 * converges to (Fail, or what `webhooks.validationFailurePolicy` says), so the applied value and the live one are
 * the same and there is nothing to diff or reset. The charts get the same policy through
 * `base.validationFailurePolicy`; the transform holds that line for any chart that still renders Ignore.
 */
import * as pulumi from "@pulumi/pulumi";

const WEBHOOK_KINDS = ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"] as const;

interface LabelSelectorRequirement {
    readonly key: string;
    readonly operator: string;
    readonly values?: readonly string[];
}

interface Webhook {
    readonly name?: string;
    readonly failurePolicy?: string;
    readonly clientConfig?: Record<string, unknown> & { readonly caBundle?: string };
    readonly namespaceSelector?: { readonly matchExpressions?: readonly LabelSelectorRequirement[]; readonly matchLabels?: Record<string, string> };
    readonly [key: string]: unknown;
}

interface WebhookConfiguration {
    readonly kind?: string;
    readonly webhooks?: readonly Webhook[];
    readonly [key: string]: unknown;
}

export interface WebhookPolicy {
    /** The failure policy of validation webhooks, as istiod leaves it. */
    readonly validationFailurePolicy: string;
    /** Namespaces that injection webhooks must never select, whatever their labels say. */
    readonly neverInjectNamespaces: readonly string[];
}

const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/** The webhook configuration as the stack should apply it. Pure; returns the input itself when nothing changes. */
export function ownedWebhookFields(object: WebhookConfiguration, policy: WebhookPolicy): WebhookConfiguration {
    if (!WEBHOOK_KINDS.includes(object.kind as (typeof WEBHOOK_KINDS)[number]) || object.webhooks === undefined) {
        return object;
    }
    const validating = object.kind === "ValidatingWebhookConfiguration";
    return {
        ...object,
        webhooks: object.webhooks.map((webhook) => {
            const { caBundle: _istiodOwned, ...clientConfig } = webhook.clientConfig ?? {};
            const shaped: Webhook = {
                ...webhook,
                ...(webhook.clientConfig !== undefined ? { clientConfig } : {}),
                ...(validating ? { failurePolicy: policy.validationFailurePolicy } : {}),
            };
            return validating ? shaped : excludeNamespaces(shaped, policy.neverInjectNamespaces);
        }),
    };
}

/** Adds `kubernetes.io/metadata.name NotIn [...]` to an injection webhook's namespace selector. */
function excludeNamespaces(webhook: Webhook, namespaces: readonly string[]): Webhook {
    if (namespaces.length === 0) {
        return webhook;
    }
    const isExclusion = (expression: LabelSelectorRequirement) =>
        expression.key === NAMESPACE_NAME_LABEL && expression.operator === "NotIn";
    const expressions = webhook.namespaceSelector?.matchExpressions ?? [];
    // The chart's own exclusions (if any) are kept; ours are added after them, once each.
    const excluded = [...new Set([...expressions.filter(isExclusion).flatMap((expression) => expression.values ?? []), ...namespaces])];
    return {
        ...webhook,
        namespaceSelector: {
            ...webhook.namespaceSelector,
            matchExpressions: [
                ...expressions.filter((expression) => !isExclusion(expression)),
                { key: NAMESPACE_NAME_LABEL, operator: "NotIn", values: excluded },
            ],
        },
    };
}

/** The resource transform for Istio's charts: applies ownedWebhookFields to their webhook configurations. */
export function webhookOwnershipTransform(policy: WebhookPolicy): pulumi.ResourceTransform {
    return (args) => {
        const kind = args.type.split(":").pop();
        if (!WEBHOOK_KINDS.includes(kind as (typeof WEBHOOK_KINDS)[number])) {
            return undefined;
        }
        const props = ownedWebhookFields({ ...(args.props as WebhookConfiguration), kind }, policy);
        return { props: { ...props, kind: (args.props as WebhookConfiguration).kind }, opts: args.opts };
    };
}
