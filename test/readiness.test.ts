/**
 * The readiness gate: what it checks (pure judging of dry-run answers), how it is wired (everything that starts pods
 * or creates Istio resources waits for it), and istiod's Services without the provider's fixed settle.
 */
import * as pulumi from "@pulumi/pulumi";
import { Mesh } from "../components/mesh";
import { reprobeReasons, GateInputs } from "../components/readiness/gate";
import { dryRunPodFrom, judgeRound, pending, probeNamespaceProblem, probePod, ProbeSettings, servingReport, skippedReport } from "../components/readiness/probe";
import { istiodDigest } from "../components/readiness/readiness";
import { skipServiceAwaitTransform, withoutServiceAwait } from "../components/readiness/serviceAwait";
import { argsWith, settingsWith } from "./fixtures";
import { unwrap, useMocks } from "./harness";

const mocks = useMocks();
beforeEach(() => mocks.reset());
// Building a whole mesh under mocks is slow on a loaded machine; the tests assert wiring, not speed.
jest.setTimeout(60_000);

const settings: ProbeSettings = {
    istioNamespace: "istio-system",
    revisions: ["1-29-6", "1-30-3"],
    interception: "init",
    validation: true,
    probeNamespace: "default",
};

/** A dry-run pod as the API server returns it after istiod's injector ran. */
function injectedPod(revision: string) {
    return {
        created: true as const,
        object: {
            metadata: { annotations: { "sidecar.istio.io/status": JSON.stringify({ revision, initContainers: ["istio-init", "istio-proxy"] }) } },
            spec: { containers: [{ name: "app" }], initContainers: [{ name: "istio-init" }, { name: "istio-proxy", restartPolicy: "Always" }] },
        },
    };
}

const unreachable = { created: false as const, message: 'Internal error occurred: failed calling webhook "rev.object.sidecar-injector.istio.io": connection refused' };
const denied = { created: false as const, message: 'admission webhook "validation.istio.io" denied the request: configuration is invalid: gateway must have at least one server' };

describe("the probes", () => {
    test("each revision is probed by its own injector: a pod labeled with the revision, in the probe namespace", () => {
        expect(probePod("default", "1-30-3")).toEqual({
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name: "mesh-readiness-probe-1-30-3", namespace: "default", labels: { app: "mesh-readiness-probe", "istio.io/rev": "1-30-3" } },
            spec: { containers: [{ name: "app", image: "registry.k8s.io/pause:3.10" }] },
        });
    });

    test("serving: every revision injected its probe and validation rejected the invalid resource", () => {
        const pods = { "1-29-6": dryRunPodFrom(injectedPod("1-29-6")), "1-30-3": dryRunPodFrom(injectedPod("1-30-3")) };
        expect(pending(judgeRound(settings, pods, denied))).toEqual([]);
    });

    test("not yet: an unreachable injector, a pod injected by another revision, validation that does not answer", () => {
        const pods = { "1-29-6": dryRunPodFrom(unreachable), "1-30-3": dryRunPodFrom(injectedPod("1-29-6")) };
        const failing = pending(judgeRound(settings, pods, unreachable));
        expect(failing.map((result) => `${result.check}: ${result.detail}`)).toEqual([
            `namespace default is injected by 1-29-6: the dry-run pod was refused: ${unreachable.message}`,
            "namespace default is injected by 1-30-3: injected by revision 1-29-6, expected 1-30-3",
            `the validation webhook answers: the API server cannot reach istiod's webhook: ${unreachable.message}`,
        ]);
    });

    test("a pod that no injector touched is not serving", () => {
        const plain = dryRunPodFrom({ created: true, object: { metadata: {}, spec: { containers: [{ name: "app" }] } } });
        expect(pending(judgeRound({ ...settings, revisions: ["1-30-3"], validation: false }, { "1-30-3": plain }, undefined)).map((result) => result.detail)).toEqual([
            "no istio-proxy container: the namespace is not enrolled, or no injector matched it",
        ]);
    });

    test("validation failing open is not checked, and the report says so", () => {
        const round = judgeRound({ ...settings, validation: false }, { "1-29-6": dryRunPodFrom(injectedPod("1-29-6")), "1-30-3": dryRunPodFrom(injectedPod("1-30-3")) }, undefined);
        expect(round.validation).toBeUndefined();
        expect(servingReport({ ...settings, validation: false })).toEqual([
            "the injector of 1-29-6 answers (a dry-run pod in default came back injected)",
            "the injector of 1-30-3 answers (a dry-run pod in default came back injected)",
            "validation not checked: it fails open (webhooks.validationFailurePolicy: Ignore)",
        ]);
    });

    test("skipping says what is skipped", () => {
        expect(skippedReport(["1-30-3"])).toEqual([
            "skipped: the injector check of 1-30-3 and the validation check (readiness.probe: skip); only istiod's Deployments being ready was waited for",
        ]);
    });

    test("a probe namespace that is missing or enrolled by label cannot probe each revision", () => {
        expect(probeNamespaceProblem("default", {})).toBeUndefined();
        expect(probeNamespaceProblem("default", { "kubernetes.io/metadata.name": "default" })).toBeUndefined();
        expect(probeNamespaceProblem("default", undefined)).toBe("namespace default does not exist: the injector is probed with a dry-run pod there");
        expect(probeNamespaceProblem("default", { "istio-injection": "enabled" })).toBe(
            "namespace default carries istio-injection=enabled, so its label, not the probe's, chooses the injector",
        );
    });
});

describe("when the gate probes again", () => {
    const inputs: GateInputs = { ...settings, mode: "serving", timeoutSeconds: 300, istiodDigest: "abc" };

    test("a new revision, a new digest (upgrade, new values) or another mode probes again", () => {
        expect(reprobeReasons(inputs, inputs)).toEqual([]);
        expect(reprobeReasons(inputs, { ...inputs, revisions: ["1-30-3"], istiodDigest: "def", mode: "skip" })).toEqual(["revisions", "mode", "istiodDigest"]);
    });

    test("a longer timeout or another kubeconfig does not", () => {
        expect(reprobeReasons(inputs, { ...inputs, timeoutSeconds: 600, kubeconfig: "/etc/kubeconfig", context: "prod" })).toEqual([]);
    });

    test("the digest follows istiod's values", () => {
        expect(istiodDigest(settingsWith())).toBe(istiodDigest(settingsWith()));
        expect(istiodDigest(settingsWith({ istiod: { replicas: 3 } }))).not.toBe(istiodDigest(settingsWith()));
        expect(istiodDigest(settingsWith({ istio: { version: "1.30.2" } }))).not.toBe(istiodDigest(settingsWith()));
    });
});

describe("istiod's Services", () => {
    test("skip the provider's await (Endpoints, then a fixed 10 s); other objects keep theirs", () => {
        const service = { apiVersion: "v1", kind: "Service", metadata: { name: "istiod-1-30-3", annotations: { a: "b" } }, spec: {} };
        expect(withoutServiceAwait(service)).toEqual({ ...service, metadata: { name: "istiod-1-30-3", annotations: { a: "b", "pulumi.com/skipAwait": "true" } } });
        const transform = (type: string, props: Record<string, unknown>) =>
            skipServiceAwaitTransform({ type, name: "n", props, opts: {}, custom: true });
        expect(transform("kubernetes:core/v1:Service", service)).toEqual({ props: withoutServiceAwait(service), opts: {} });
        expect(transform("kubernetes:apps/v1:Deployment", { metadata: { name: "istiod-1-30-3" } })).toBeUndefined();
    });
});

describe("the gate in the mesh", () => {
    const GATE = "pulumi-nodejs:dynamic/readiness:ReadinessGate";

    test("waits for the CRDs and every istiod; gateways, namespaces and the mesh policy wait for it", async () => {
        new Mesh(
            "mesh",
            argsWith({ namespaces: [{ name: "shop" }], gateways: [{ name: "ingress", kind: "ingress" }] }),
            { transformations: [mocks.recordDependencies] },
        );
        await mocks.settled();
        expect(await mocks.dependenciesOf("mesh-ready")).toEqual(["mesh-base", "mesh-istiod-1-30-3"]);
        expect(await mocks.dependenciesOf("mesh-policy", "mesh:istio:MeshPolicy")).toEqual(["mesh-base", "mesh-ready"]);
        expect(await mocks.dependenciesOf("mesh-enrollment")).toEqual(["mesh-base", "mesh-ready"]);
        expect(await mocks.dependenciesOf("mesh-gateway-ingress", "mesh:istio:Gateway")).toEqual(["mesh-base", "mesh-ready"]);
    });

    test("probes every revision in the probe namespace, validation as it fails, with the configured timeout", async () => {
        new Mesh(
            "mesh",
            argsWith({
                istio: { version: undefined, revisions: [{ version: "1.29.6" }, { version: "1.30.3" }], tags: { default: "1-30-3" } },
                readiness: { probeNamespace: "mesh-probe", timeoutSeconds: 120 },
            }),
        );
        await mocks.settled();
        const [gate] = mocks.ofType(GATE);
        expect(gate.name).toBe("mesh-ready");
        expect(gate.inputs).toMatchObject({
            istioNamespace: "istio-system",
            revisions: ["1-29-6", "1-30-3"],
            interception: "init",
            validation: true,
            probeNamespace: "mesh-probe",
            mode: "serving",
            timeoutSeconds: 120,
        });
    });

    test("with validation failing open and the probe skipped, the gate is told so (and says it)", async () => {
        const info = jest.spyOn(pulumi.log, "info").mockImplementation(() => Promise.resolve());
        new Mesh("mesh", argsWith({ webhooks: { validationFailurePolicy: "Ignore" }, readiness: { probe: "skip" } }));
        await mocks.settled();
        const [gate] = mocks.ofType(GATE);
        expect(gate.inputs).toMatchObject({ validation: false, mode: "skip", probeNamespace: "default", timeoutSeconds: 300 });
        expect(info.mock.calls.map(([message]) => message)).toEqual([`readiness gate: ${skippedReport(["1-30-3"])[0]}`]);
        info.mockRestore();
    });

    test("a kubeconfig given as contents reaches the gate as a secret", async () => {
        new Mesh("mesh", argsWith({ cluster: { kubeconfig: "apiVersion: v1\nkind: Config\n" } }));
        await mocks.settled();
        const [gate] = mocks.ofType(GATE);
        expect(gate.secretInputs).toContain("kubeconfig");
        expect(await unwrap(gate.inputs.kubeconfig as string)).toBe("apiVersion: v1\nkind: Config\n");
    });
});
