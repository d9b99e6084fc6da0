/**
 * Revisions, revision tags and namespace enrollment.
 */
import { parseMeshConfig, validMeshConfig } from "../components/config/load";
import { istiodValues, baseValues } from "../components/controlplane/values";
import { enrollmentLabels, enrollmentReport } from "../components/enrollment/labels";
import { Mesh } from "../components/mesh";
import { configProblems, settingsWith } from "./fixtures";
import { useMocks } from "./harness";

const mocks = useMocks();
beforeEach(() => mocks.reset());

/** A canary upgrade in progress: 1.29.6 is the default, 1.30.3 the canary. */
const canary = {
    istio: {
        revisions: [{ version: "1.29.6" }, { version: "1.30.3" }],
        tags: { default: "1-29-6", stable: "1-29-6", canary: "1-30-3" },
    },
};

describe("labels per revision model", () => {
    test("the default tag uses istio-injection=enabled, and only that", () => {
        expect(enrollmentLabels({ tag: "default" })).toEqual({ "istio-injection": "enabled" });
    });
    test("any other tag, or a revision, uses istio.io/rev, and only that", () => {
        expect(enrollmentLabels({ tag: "canary" })).toEqual({ "istio.io/rev": "canary" });
        expect(enrollmentLabels({ revision: "1-30-3" })).toEqual({ "istio.io/rev": "1-30-3" });
    });
});

describe("revisions and tags", () => {
    test("one istiod chart per revision, each serving its own tags; the default revision owns validation", async () => {
        const settings = parseMeshConfig(canary);
        new Mesh("mesh", validMeshConfig(canary));
        await mocks.settled();
        const charts = mocks.ofType("kubernetes:helm.sh/v4:Chart").sort((a, b) => a.name.localeCompare(b.name));
        expect(charts.map((chart) => [chart.name, chart.inputs.version, (chart.inputs.values as { revisionTags?: string[] }).revisionTags])).toEqual([
            ["mesh-base", "1.30.3", undefined],
            ["mesh-istiod-1-29-6", "1.29.6", ["default", "stable"]],
            ["mesh-istiod-1-30-3", "1.30.3", ["canary"]],
        ]);
        expect(baseValues(settings).defaultRevision).toBe("1-29-6");
        expect(charts.slice(1).map((chart) => chart.inputs.resourcePrefix)).toEqual(["mesh-istiod", "mesh-istiod"]);
        expect(charts.slice(1).map((chart) => (chart.inputs.values as { global: { tag: string } }).global.tag)).toEqual(["1.29.6", "1.30.3"]);
    });

    test("moving a tag moves it between the revisions' charts, and every namespace that follows it", () => {
        const before = parseMeshConfig({ ...canary, namespaces: [{ name: "shop", tag: "stable" }] });
        const after = parseMeshConfig({
            istio: { ...canary.istio, tags: { default: "1-29-6", stable: "1-30-3", canary: "1-30-3" } },
            namespaces: [{ name: "shop", tag: "stable" }],
        });
        const tagsOfRevisions = (settings: typeof before) => settings.istio.revisions.map((revision) => istiodValues(settings, revision).revisionTags);
        expect(tagsOfRevisions(before)).toEqual([["default", "stable"], ["canary"]]);
        expect(tagsOfRevisions(after)).toEqual([["default"], ["canary", "stable"]]);
        // The namespace's label does not change: the tag it names now points elsewhere.
        expect(enrollmentReport(before.namespaces, before.istio.tags).shop).toEqual({ label: "istio.io/rev=stable", tag: "stable", revision: "1-29-6", owned: true });
        expect(enrollmentReport(after.namespaces, after.istio.tags).shop).toEqual({ label: "istio.io/rev=stable", tag: "stable", revision: "1-30-3", owned: true });
    });

    test("removing a revision that a tag still points at names the tag", () => {
        expect(configProblems({ istio: { revisions: [{ version: "1.30.3" }], tags: { default: "1-30-3", stable: "1-29-6" } } })).toEqual([
            'mesh.istio.tags.stable: got "1-29-6"; tag "stable" points at revision "1-29-6", which is not in istio.revisions (1-30-3). Fix: point the tag at a remaining revision before removing "1-29-6"',
        ]);
    });

    test("several revisions need the default tag", () => {
        expect(configProblems({ istio: { revisions: [{ version: "1.29.6" }, { version: "1.30.3" }], tags: { canary: "1-30-3" } } })).toEqual([
            "mesh.istio.tags.default: got nothing; required with more than one revision: the revision that the default tag (istio-injection=enabled namespaces, cluster-wide validation) points at. Fix: set istio.tags.default to one of 1-29-6, 1-30-3",
        ]);
    });

    test("version and revisions together, a duplicate revision, a tag named like a revision", () => {
        expect(configProblems({ istio: { version: "1.30.3", revisions: [{ version: "1.30.3" }] } })).toEqual([
            'mesh.istio.version: got "1.30.3"; istio.version and istio.revisions are mutually exclusive. Choose a single approach: istio.version for one revision, or istio.revisions (each with its version) for a canary upgrade',
        ]);
        expect(configProblems({ istio: { revisions: [{ version: "1.30.3" }, { version: "1.30.3" }] } })).toContain(
            'mesh.istio.revisions: got "1-30-3"; revision "1-30-3" is declared twice (two entries with the same version or name). Fix: give one of them a distinct name',
        );
        expect(configProblems({ istio: { revisions: [{ version: "1.30.3", name: "blue" }], tags: { default: "blue", blue: "blue" } } })).toEqual([
            'mesh.istio.tags.blue: got "blue"; a tag cannot share its name with a revision ("blue"): istio.io/rev=blue would be ambiguous. Fix: rename the tag',
        ]);
    });
});

describe("namespace enrollment", () => {
    test("owned namespaces are created with their label; existing ones are patched, never owned", async () => {
        new Mesh(
            "mesh",
            validMeshConfig({
                    ...canary,
                    namespaces: [
                        { name: "shop", podSecurity: "baseline" },
                        { name: "legacy", existing: true, tag: "canary" },
                        { name: "pinned", revision: "1-30-3" },
                    ],
                }),
            { transformations: [mocks.recordDependencies] },
        );
        await mocks.settled();
        expect(mocks.named("mesh-enrollment-shop")).toMatchObject({
            type: "kubernetes:core/v1:Namespace",
            inputs: { metadata: { name: "shop", labels: { "istio-injection": "enabled", "pod-security.kubernetes.io/enforce": "baseline" } } },
        });
        expect(mocks.named("mesh-enrollment-legacy")).toMatchObject({
            type: "kubernetes:core/v1:NamespacePatch",
            inputs: { metadata: { name: "legacy", labels: { "istio.io/rev": "canary" } } },
        });
        expect(mocks.named("mesh-enrollment-pinned").inputs.metadata).toEqual({ name: "pinned", labels: { "istio.io/rev": "1-30-3" } });
        // Labels go on only once the injectors serve.
        expect(await mocks.dependenciesOf("mesh-enrollment")).toEqual(["mesh-base", "mesh-ready"]);
    });

    test("the enrollment output shows which namespace goes to which revision", () => {
        const settings = parseMeshConfig({ ...canary, namespaces: [{ name: "shop" }, { name: "legacy", existing: true, tag: "canary" }] });
        expect(enrollmentReport(settings.namespaces, settings.istio.tags)).toEqual({
            shop: { label: "istio-injection=enabled", tag: "default", revision: "1-29-6", owned: true },
            legacy: { label: "istio.io/rev=canary", tag: "canary", revision: "1-30-3", owned: false },
        });
    });

    test.each([
        [
            { namespaces: [{ name: "kube-system" }] },
            'mesh.namespaces[0].name: got "kube-system"; "kube-system" must never be injected (Kubernetes\' and Istio\'s own namespaces, and webhooks.neverInjectNamespaces). Fix: remove it from namespaces',
        ],
        [
            { namespaces: [{ name: "shop", tag: "canary" }] },
            'mesh.namespaces[0].tag: got "canary"; allowed: a tag of istio.tags (default). Fix: add the tag or use one of those',
        ],
        [
            { namespaces: [{ name: "shop", revision: "1-29-6" }] },
            'mesh.namespaces[0].revision: got "1-29-6"; allowed: a revision of istio.revisions (1-30-3). Fix: use one of those, or a tag',
        ],
        [
            { namespaces: [{ name: "shop" }, { name: "shop" }] },
            'mesh.namespaces: got "shop"; namespace "shop" is listed twice. Fix: keep one entry',
        ],
        [
            { webhooks: { validationFailurePolicy: "Warn" } },
            'mesh.webhooks.validationFailurePolicy: got "Warn"; allowed: one of "Fail", "Ignore". Fix: pulumi config set --path \'mesh.webhooks.validationFailurePolicy\' Fail',
        ],
    ])("%j", (patch, message) => {
        expect(configProblems({ istio: { version: "1.30.3" }, ...patch })).toEqual([message]);
    });
});

describe("webhook settings reach istiod", () => {
    test("selectors and policies", () => {
        const settings = settingsWith({
            webhooks: {
                validationFailurePolicy: "Ignore",
                reinvocationPolicy: "IfNeeded",
                neverInjectPodLabels: [{ app: "batch" }],
                alwaysInjectPodLabels: [{ mesh: "always" }],
                neverInjectNamespaces: ["monitoring"],
            },
        });
        const values = istiodValues(settings, settings.istio.revisions[0]);
        expect([values.base, values.sidecarInjectorWebhook]).toEqual([
            { validationFailurePolicy: "Ignore" },
            { reinvocationPolicy: "IfNeeded", neverInjectSelector: [{ matchLabels: { app: "batch" } }], alwaysInjectSelector: [{ matchLabels: { mesh: "always" } }] },
        ]);
        expect(settings.webhooks.neverInjectNamespaces).toEqual(["kube-system", "kube-public", "kube-node-lease", "istio-system", "monitoring"]);
    });
});
