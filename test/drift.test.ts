/**
 * The webhook transform, as a pure function: the stack leaves to istiod what istiod owns.
 */
import { ownedWebhookFields, webhookOwnershipTransform } from "../components/webhooks/drift";

const policy = { validationFailurePolicy: "Fail", neverInjectNamespaces: ["kube-system", "istio-system"] };

/** The validator as Istio's base chart renders it on a fresh install, with a caBundle as istiod would write it. */
function validator(failurePolicy: string, caBundle?: string) {
    return {
        apiVersion: "admissionregistration.k8s.io/v1",
        kind: "ValidatingWebhookConfiguration",
        metadata: { name: "istiod-default-validator" },
        webhooks: [
            {
                name: "validation.istio.io",
                clientConfig: { service: { name: "istiod-1-30-3", namespace: "istio-system", path: "/validate" }, ...(caBundle ? { caBundle } : {}) },
                failurePolicy,
                sideEffects: "None",
            },
        ],
    };
}

function injector() {
    return {
        kind: "MutatingWebhookConfiguration",
        metadata: { name: "istio-revision-tag-default" },
        webhooks: [
            {
                name: "auto.sidecar-injector.istio.io",
                clientConfig: { service: { name: "istiod-1-30-3", namespace: "istio-system", path: "/inject", port: 443 }, caBundle: "QUJD" },
                failurePolicy: "Fail",
                namespaceSelector: {
                    matchExpressions: [
                        { key: "istio-injection", operator: "DoesNotExist" },
                        { key: "kubernetes.io/metadata.name", operator: "NotIn", values: ["kube-system", "kube-public", "local-path-storage"] },
                    ],
                },
            },
        ],
    };
}

describe("ownedWebhookFields", () => {
    test("a fresh-install validator gets the policy istiod converges to, and no caBundle", () => {
        expect(ownedWebhookFields(validator("Ignore", "QUJD"), policy)).toEqual({
            ...validator("Fail"),
            webhooks: [
                {
                    name: "validation.istio.io",
                    clientConfig: { service: { name: "istiod-1-30-3", namespace: "istio-system", path: "/validate" } },
                    failurePolicy: "Fail",
                    sideEffects: "None",
                },
            ],
        });
    });

    test("the result is what istiod leaves after its patch, minus the caBundle it owns: nothing to diff or reset", () => {
        const applied = ownedWebhookFields(validator("Ignore"), policy);
        const afterIstiod = validator("Fail", "Q0VSVA==");
        const { caBundle: _owned, ...liveClientConfig } = afterIstiod.webhooks[0].clientConfig;
        expect(applied.webhooks).toEqual([{ ...afterIstiod.webhooks[0], clientConfig: liveClientConfig }]);
    });

    test("an explicit Ignore policy is kept for clusters that want validation to fail open", () => {
        const applied = ownedWebhookFields(validator("Fail"), { ...policy, validationFailurePolicy: "Ignore" });
        expect(applied.webhooks?.[0].failurePolicy).toBe("Ignore");
    });

    test("injection webhooks keep their policy, lose the caBundle, and never select the excluded namespaces", () => {
        const applied = ownedWebhookFields(injector(), policy);
        expect(applied.webhooks).toEqual([
            {
                name: "auto.sidecar-injector.istio.io",
                clientConfig: { service: { name: "istiod-1-30-3", namespace: "istio-system", path: "/inject", port: 443 } },
                failurePolicy: "Fail",
                namespaceSelector: {
                    matchExpressions: [
                        { key: "istio-injection", operator: "DoesNotExist" },
                        {
                            key: "kubernetes.io/metadata.name",
                            operator: "NotIn",
                            values: ["kube-system", "kube-public", "local-path-storage", "istio-system"],
                        },
                    ],
                },
            },
        ]);
    });

    test("is idempotent", () => {
        const once = ownedWebhookFields(injector(), policy);
        expect(ownedWebhookFields(once, policy)).toEqual(once);
    });

    test("leaves every other kind alone, as the same object", () => {
        const deployment = { kind: "Deployment", metadata: { name: "istiod" }, webhooks: [{ failurePolicy: "Ignore" }] };
        expect(ownedWebhookFields(deployment, policy)).toBe(deployment);
    });
});

describe("webhookOwnershipTransform", () => {
    test("applies to the chart's webhook configurations only", () => {
        const transform = webhookOwnershipTransform(policy);
        const opts = {};
        const webhookResult = transform({
            type: "kubernetes:admissionregistration.k8s.io/v1:ValidatingWebhookConfiguration",
            name: "mesh-base:istiod-default-validator",
            props: validator("Ignore"),
            opts,
            custom: true,
        });
        expect(webhookResult).toEqual({ props: ownedWebhookFields(validator("Ignore"), policy), opts });
        expect(
            transform({ type: "kubernetes:apps/v1:Deployment", name: "mesh-istiod:istio-system/istiod-1-30-3", props: {}, opts, custom: true }),
        ).toBeUndefined();
    });
});
