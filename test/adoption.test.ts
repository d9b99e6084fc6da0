/**
 * Judging the adoption of an existing install: which fields the first up changes in place, which pods restart, and
 * whether the CA stays.
 */
import { adoptionReport, AdoptedObject, changedPaths } from "../components/lifecycle/adoption";

const deploymentLive = {
    kind: "Deployment",
    metadata: { name: "istiod-1-30-3", labels: { app: "istiod" }, managedFields: [{ manager: "istio-operator" }], resourceVersion: "1", generation: 1 },
    spec: { replicas: 1, template: { metadata: { labels: { app: "istiod" } }, spec: { containers: [{ name: "discovery", image: "istio/pilot:1.30.3" }] } } },
    status: { readyReplicas: 1 },
};

describe("the fields an adoption changes", () => {
    test("none when server-side apply leaves the object as it is (server-maintained fields aside)", () => {
        const merged = { ...deploymentLive, metadata: { ...deploymentLive.metadata, managedFields: [{ manager: "pulumi" }], resourceVersion: "2", generation: 2 } };
        expect(changedPaths(deploymentLive, merged)).toEqual([]);
    });

    test("each changed field by path, pod template changes included", () => {
        const merged = {
            ...deploymentLive,
            metadata: { ...deploymentLive.metadata, annotations: { "pulumi.com/patchForce": "true" } },
            spec: { ...deploymentLive.spec, template: { ...deploymentLive.spec.template, spec: { containers: [{ name: "discovery", image: "istio/pilot:1.30.4" }] } } },
        };
        expect(changedPaths(deploymentLive, merged)).toEqual(["metadata.annotations", "spec.template.spec.containers"]);
    });
});

describe("the adoption report", () => {
    const ca = { pluginCa: false, existingCacerts: false, selfSignedCa: true };
    const inPlace: AdoptedObject[] = [
        { kind: "MutatingWebhookConfiguration", namespace: "", name: "istio-sidecar-injector-1-30-3", changed: ["metadata.annotations"] },
        { kind: "Deployment", namespace: "istio-system", name: "istiod-1-30-3", changed: [] },
    ];

    test("in place: updates only, no pod restart, the CA kept", () => {
        expect(adoptionReport({ steps: [{ op: "create", urn: "urn::x" }], adopted: inPlace, created: 2, ca })).toEqual({
            safe: true,
            lines: [
                "2 existing object(s) taken over in place (server-side apply, conflicts forced): 1 updated, 1 unchanged",
                "  ~ MutatingWebhookConfiguration istio-sidecar-injector-1-30-3: metadata.annotations",
                "2 new object(s) created",
                "ok    no pod restarts: no pod template changes",
                "ok    the CA stays the one the mesh runs with",
                "The first up adopts the install in place.",
            ],
        });
    });

    test("a pod template change, a replacement and a new CA over istiod's own are each called out", () => {
        const report = adoptionReport({
            steps: [{ op: "replace", urn: "urn:pulumi:dev::istio-mesh::kubernetes:core/v1:Service::mesh-istiod-x" }],
            adopted: [{ kind: "Deployment", namespace: "istio-system", name: "istiod-1-30-3", changed: ["spec.template.spec.containers"] }],
            created: 0,
            ca: { ...ca, pluginCa: true },
        });
        expect(report.safe).toBe(false);
        expect(report.lines.filter((line) => line.startsWith("FAIL"))).toEqual([
            "FAIL  1 step(s) delete or replace: replace mesh-istiod-x",
            "FAIL  pods restart: Deployment istiod-1-30-3 (spec.template.spec.containers)",
            "FAIL  istiod runs its own self-signed CA (istio-ca-secret): a plug-in CA is a new root that running workloads do not trust; set pki.enabled: false to keep it, or rotate the root as a planned change",
        ]);
    });
});
