/**
 * istiod's Services are applied without the kubernetes provider's Service await. That await waits for the Service's
 * Endpoints, then a fixed 10 s for them to settle: 10 s lost on every install, and no proof that istiod serves
 * (Endpoints appear before istiod has its serving certificate). The readiness gate (gate.ts) waits instead until the
 * injector and the validation webhook answer, which is what the resources after it need.
 */
import * as pulumi from "@pulumi/pulumi";

export const SKIP_AWAIT_ANNOTATION = "pulumi.com/skipAwait";
const SERVICE_TYPE = "kubernetes:core/v1:Service";

interface ServiceObject {
    readonly metadata?: { readonly annotations?: Record<string, string>; readonly [key: string]: unknown };
    readonly [key: string]: unknown;
}

/** The Service with the provider's await turned off. Pure. */
export function withoutServiceAwait<T extends ServiceObject>(service: T): T {
    return {
        ...service,
        metadata: { ...service.metadata, annotations: { ...service.metadata?.annotations, [SKIP_AWAIT_ANNOTATION]: "true" } },
    };
}

/** The transform for istiod's chart: only its Services change. */
export const skipServiceAwaitTransform: pulumi.ResourceTransform = (args) =>
    args.type === SERVICE_TYPE ? { props: withoutServiceAwait(args.props as ServiceObject), opts: args.opts } : undefined;
