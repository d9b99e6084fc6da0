/**
 * Judging the adoption of an existing install: which fields the first up changes in place, which pods restart, and
 * whether the CA stays.
 */
import { adoptionReport, AdoptedObject, certificateBodies, changedPaths, keepsExistingRoots, objectKey, plannedObjects, PreviewStep } from "../components/lifecycle/adoption";
import { keptPodLabelsTransform, withKeptPodLabels } from "../components/lifecycle/keptPodLabels";

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

describe("the objects of the preview an adoption concerns", () => {
    const deploymentUrn = "urn:pulumi:dev::istio-mesh::mesh:istio:Mesh$kubernetes:helm.sh/v4:Chart$kubernetes:apps/v1:Deployment::mesh-istiod:istio-system/istiod-1-31-0";
    const policyUrn = "urn:pulumi:dev::istio-mesh::mesh:istio:Mesh$kubernetes:security.istio.io/v1:PeerAuthentication::mesh-policy-mtls";
    const goal = { kind: "Deployment", metadata: { name: "istiod-1-31-0", namespace: "istio-system" }, __fieldManager: "pulumi-kubernetes-x" };
    const steps: PreviewStep[] = [
        { op: "import", urn: deploymentUrn, newState: { type: "kubernetes:apps/v1:Deployment", custom: true, inputs: { kind: "Deployment", metadata: { name: "istiod-1-31-0" } } } },
        { op: "update", urn: deploymentUrn, newState: { type: "kubernetes:apps/v1:Deployment", custom: true, inputs: goal } },
        { op: "create", urn: policyUrn, newState: { type: "kubernetes:security.istio.io/v1:PeerAuthentication", custom: true, inputs: { kind: "PeerAuthentication", metadata: { name: "default" } } } },
        { op: "update", urn: "urn:pulumi:dev::istio-mesh::kubernetes:core/v1:ConfigMap::in-state", newState: { type: "kubernetes:core/v1:ConfigMap", custom: true, inputs: {} } },
        { op: "create", urn: "urn:pulumi:dev::istio-mesh::tls:index/privateKey:PrivateKey::mesh-ca-root", newState: { type: "tls:index/privateKey:PrivateKey", custom: true } },
    ];

    test("an import and its update are one object, the stack's own (the last goal, without the provider's keys); objects in the state are not", () => {
        expect(plannedObjects(steps)).toEqual([
            { urn: deploymentUrn, ops: ["import", "update"], object: { kind: "Deployment", metadata: { name: "istiod-1-31-0", namespace: "istio-system" } } },
            { urn: policyUrn, ops: ["create"], object: { kind: "PeerAuthentication", metadata: { name: "default" } } },
        ]);
        expect(plannedObjects(steps).map((entry) => objectKey(entry.object))).toEqual(["Deployment/istio-system/istiod-1-31-0", "PeerAuthentication//default"]);
    });

    test("the report says how the preview shows the existing objects: imports, or creates with the key to set", () => {
        const ca = { pluginCa: false, existingCacerts: false, selfSignedCa: true };
        const adopted = (ops: string[]) => [{ kind: "Deployment", namespace: "istio-system", name: "istiod-1-31-0", changed: [], ops }];
        expect(adoptionReport({ steps, adopted: adopted(["import", "update"]), created: 1, ca }).lines.slice(0, 3)).toEqual([
            "1 existing object(s) taken over in place (server-side apply, conflicts forced): 0 updated, 1 unchanged",
            "  the preview imports 1 of them (= import, then ~ update where the stack's object differs)",
            "1 new object(s) created",
        ]);
        expect(adoptionReport({ steps, adopted: adopted(["create"]), created: 1, ca }).lines[1]).toBe(
            "  the preview shows 1 of them as creates (to the engine they are new; the up applies them in place): set lifecycle.adoptExisting: true for a preview that imports them",
        );
        // An import that the engine would replace is no adoption.
        const replaced = adoptionReport({ steps: [...steps, { op: "import-replacement", urn: deploymentUrn }], adopted: adopted(["import-replacement"]), created: 0, ca });
        expect(replaced.safe).toBe(false);
        expect(replaced.lines).toContain("FAIL  1 step(s) delete or replace: import-replacement mesh-istiod:istio-system/istiod-1-31-0");
    });
});

describe("an existing cacerts", () => {
    const pem = (body: string) => `-----BEGIN CERTIFICATE-----\n${body.match(/.{1,8}/g)!.join("\n")}\n-----END CERTIFICATE-----\n`;
    const teamRoot = pem("TUlJQnRlYW1yb290");
    const otherRoot = pem("TUlJQm90aGVycm9vdA==");
    const ca = { pluginCa: true, existingCacerts: true, selfSignedCa: false, existingRoots: teamRoot };
    const caLine = (input: typeof ca & { stackRoots?: string[] }) =>
        adoptionReport({ steps: [], adopted: [], created: 0, ca: input }).lines.find((line) => line.includes("CA") || line.includes("cacerts"));

    test("certificates compare by their content, whatever the line breaks", () => {
        expect(certificateBodies(`${teamRoot}${otherRoot}`)).toEqual(["TUlJQnRlYW1yb290", "TUlJQm90aGVycm9vdA=="]);
        expect(keepsExistingRoots(teamRoot.replace(/\n/g, "\r\n"), [`${otherRoot}${teamRoot}`])).toBe(true);
        expect(keepsExistingRoots(`${teamRoot}${otherRoot}`, [teamRoot])).toBe(false);
        expect(keepsExistingRoots(undefined, [teamRoot])).toBe(false);
        expect(keepsExistingRoots(teamRoot, undefined)).toBe(false);
    });

    test("taken over in place when the stack is given the root the mesh trusts; refused with a generated or another root", () => {
        expect(caLine({ ...ca, stackRoots: [teamRoot] })).toBe("ok    the existing cacerts is taken over in place: a new intermediate under the root(s) the mesh already trusts");
        const refused =
            "FAIL  the stack writes a CA over the existing cacerts whose root the running workloads do not all trust: give the existing root " +
            "(root-cert.pem, and its key) as pki.roots (source: config), or set pki.enabled: false to leave cacerts as it is";
        expect(caLine(ca)).toBe(refused);
        expect(caLine({ ...ca, stackRoots: [otherRoot] })).toBe(refused);
        expect(caLine({ ...ca, pluginCa: false })).toBe("ok    the CA stays the one the mesh runs with");
    });
});

describe("an adopted istiod keeps its pods: the live instance label of its pod template", () => {
    /** istiod's Deployment as the chart renders it for the stack (the Helm release name in the instance label). */
    const rendered = {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "istiod-1-31-0", namespace: "istio-system", labels: { app: "istiod", "app.kubernetes.io/instance": "istiod-1-31-0" } },
        spec: {
            template: {
                metadata: { labels: { app: "istiod", "istio.io/rev": "1-31-0", "app.kubernetes.io/instance": "istiod-1-31-0" }, annotations: { "sidecar.istio.io/inject": "false" } },
                spec: { containers: [{ name: "discovery" }] },
            },
        },
    };

    test("istioctl's value (istio) is kept in the pod template only; everything else is the chart's", () => {
        const kept = withKeptPodLabels(rendered, "istio-system", { "istiod-1-31-0": "istio" });
        expect(kept.spec.template.metadata.labels).toEqual({ app: "istiod", "istio.io/rev": "1-31-0", "app.kubernetes.io/instance": "istio" });
        expect(kept.metadata).toEqual(rendered.metadata);
        expect(kept.spec.template.metadata.annotations).toEqual(rendered.spec.template.metadata.annotations);
        expect(kept.spec.template.spec).toBe(rendered.spec.template.spec);
        // The input is not changed.
        expect(rendered.spec.template.metadata.labels["app.kubernetes.io/instance"]).toBe("istiod-1-31-0");
    });

    test("unchanged: no live Deployment of that name, the same value, another namespace, or a template without the label", () => {
        expect(withKeptPodLabels(rendered, "istio-system", {})).toBe(rendered);
        expect(withKeptPodLabels(rendered, "istio-system", { "istiod-1-30-3": "istio" })).toBe(rendered);
        expect(withKeptPodLabels(rendered, "istio-system", { "istiod-1-31-0": "istiod-1-31-0" })).toBe(rendered);
        expect(withKeptPodLabels(rendered, "mesh-system", { "istiod-1-31-0": "istio" })).toBe(rendered);
        const unlabeled = { ...rendered, spec: { template: { metadata: { labels: { app: "istiod" } } } } };
        expect(withKeptPodLabels(unlabeled, "istio-system", { "istiod-1-31-0": "istio" })).toBe(unlabeled);
    });

    test("the transform reaches Deployments only", () => {
        const transform = keptPodLabelsTransform("istio-system", { "istiod-1-31-0": "istio" });
        const args = (type: string) => ({ type, name: "mesh-istiod:istio-system/istiod-1-31-0", props: rendered, opts: {}, custom: true });
        expect(transform(args("kubernetes:core/v1:Service"))).toBeUndefined();
        const result = transform(args("kubernetes:apps/v1:Deployment")) as unknown as { props: typeof rendered };
        expect(result.props.spec.template.metadata.labels["app.kubernetes.io/instance"]).toBe("istio");
        expect(keptPodLabelsTransform("istio-system", {})(args("kubernetes:apps/v1:Deployment"))).toBeUndefined();
    });
});
