/**
 * The real istiod serving an ambient stack on the local cluster (scripts/istiod.sh runs pilot-discovery as the
 * chart's Deployment would, with the ambient profile's environment; it sees the Gateway API CRDs the stack applied):
 * istiod starts during the stack's up, which the readiness gate holds until the injector answers; istiod then creates
 * its GatewayClasses, programs the stack's Gateway of class `istio` and its waypoint (Accepted, Programmed) and deploys
 * each (a Deployment and a Service, written by its gateway controller); a dry-run pod in the ambient namespace comes
 * back without a sidecar while the sidecar namespace beside it is injected; verify's ambient checks pass.
 *
 * Run with `bash scripts/e2e.sh test/e2e/ambientIstiod.e2e.test.ts`; it needs Istio's charts (ISTIO_CHARTS_DIR),
 * istiod built by scripts/tools/istio.sh for the release it installs, and Go for the Gateway API module.
 */
import { parseMeshConfig } from "../../components/config/load";
import { parseIstioVersion } from "../../components/config/istioVersion";
import { gatewayApiVersionFor } from "../../components/gatewayapi/versions";
import { Condition } from "../../components/verify/ambientChecks";
import { verifyCluster } from "../../components/verify/cluster";
import { eventually, find, getJson, kubectl, kubectlError, KubeObject } from "../../components/verify/kubectl";
import { gatewayApiManifest, goAvailable } from "./gatewayApiManifests";
import { discardServedStack, localIstiodSuite, upWhileIstiodStarts } from "./localIstiod";
import { clusterEnv, E2eWorkspace } from "./workspace";

const { version, revision, skipReason } = localIstiodSuite("ambient istiod end-to-end suite", {
    more: () => (goAvailable() ? undefined : "go is not on PATH (the Gateway API CRDs come from its module)"),
});
const suite = skipReason === undefined ? describe : describe.skip;

const AMBIENT_NAMESPACE = "e2e-amb-istiod-shop";
const SIDECAR_NAMESPACE = "e2e-amb-istiod-legacy";
const GATEWAY = "e2e-amb-public";

type GatewayObject = KubeObject & { status?: { conditions?: Condition[]; addresses?: { value: string }[] } };
type Pod = KubeObject & { spec: { containers: { name: string }[]; initContainers?: { name: string; restartPolicy?: string }[] } };

function mesh(): Record<string, unknown> {
    const pinned = gatewayApiVersionFor(parseIstioVersion(version)!).text;
    return {
        istio: { version },
        istiod: { replicas: 1, resources: { requests: { cpu: "10m", memory: "64Mi" } } },
        meshConfig: { trustDomain: "ambient.e2e.example.com" },
        // istiod starts during the up (the readiness gate waits for it) and turns validation to Fail itself.
        webhooks: { validationFailurePolicy: "Ignore" },
        dataPlane: { mode: "ambient", ztunnel: { resources: { requests: { cpu: "10m", memory: "32Mi" } } } },
        gatewayApi: { manifest: gatewayApiManifest(pinned) },
        namespaces: [
            { name: AMBIENT_NAMESPACE, waypoint: {} },
            { name: SIDECAR_NAMESPACE, dataplane: "sidecar" },
        ],
        gateways: [{ name: GATEWAY, kind: "ingress", gatewayClass: "istio", serviceType: "ClusterIP", hosts: [{ host: "shop.example.com" }] }],
        cluster: { kubeconfig: process.env.KUBECONFIG },
    };
}

function conditionsOf(name: string, namespace: string): Record<string, string> {
    const gateway = find("gateways.gateway.networking.k8s.io", name, namespace) as GatewayObject | undefined;
    return Object.fromEntries((gateway?.status?.conditions ?? []).map((condition) => [condition.type, condition.status]));
}

function dryRunPod(namespace: string): Pod {
    try {
        return JSON.parse(
            kubectl(
                ["create", "--dry-run=server", "-o", "json", "-f", "-"],
                JSON.stringify({
                    apiVersion: "v1",
                    kind: "Pod",
                    metadata: { name: "e2e-dry-run", namespace },
                    spec: { containers: [{ name: "app", image: "registry.k8s.io/pause:3.10" }] },
                }),
            ),
        ) as Pod;
    } catch (error) {
        throw new Error(`the dry-run pod was refused: ${kubectlError(error)}`);
    }
}

function managers(kind: string, name: string, namespace: string): string[] {
    const object = getJson([kind, name, "-n", namespace, "--show-managed-fields"]) as KubeObject & { metadata: { managedFields?: { manager: string }[] } };
    return (object.metadata.managedFields ?? []).map((field) => field.manager);
}

suite(`the real istiod ${version} programming an ambient stack`, () => {
    jest.setTimeout(15 * 60 * 1000);
    const workspace = new E2eWorkspace("ambient-istiod", clusterEnv());

    afterAll(() => discardServedStack(workspace));

    test("the ambient stack goes up while istiod starts for its revision: the readiness gate waits until it serves", async () => {
        workspace.configure(mesh());
        const result = await upWhileIstiodStarts(workspace, revision);
        expect(result.summary.result).toBe("succeeded");
        const gate = (await workspace.resources()).find((resource) => resource.urn.endsWith("::mesh-ready"));
        expect(gate?.outputs?.report).toEqual([
            `the injector of ${revision} answers (a dry-run pod in default came back injected)`,
            "validation not checked: it fails open (webhooks.validationFailurePolicy: Ignore)",
        ]);
    });

    test("istiod creates its GatewayClasses: istio and istio-waypoint", async () => {
        const classes = await eventually(() => {
            const names = getJson<{ items: KubeObject[] }>(["gatewayclasses.gateway.networking.k8s.io"]).items.map((item) => item.metadata.name);
            expect(names).toEqual(expect.arrayContaining(["istio", "istio-waypoint"]));
            return names;
        }, 120);
        expect(classes).toContain("istio");
    });

    test("the stack's Gateway of class istio is Accepted and Programmed; istiod deploys it (Deployment, Service)", async () => {
        const conditions = await eventually(() => {
            const found = conditionsOf(GATEWAY, "istio-ingress");
            expect(found).toMatchObject({ Accepted: "True", Programmed: "True" });
            return found;
        }, 180);
        expect(conditions.Accepted).toBe("True");
        for (const kind of ["deployment", "service"]) {
            expect(find(kind, `${GATEWAY}-istio`, "istio-ingress")).toBeDefined();
            expect(managers(kind, `${GATEWAY}-istio`, "istio-ingress")).toContain("istio.io/gateway-controller");
        }
        const service = find("service", `${GATEWAY}-istio`, "istio-ingress") as KubeObject & { spec: { type: string } };
        expect(service.spec.type).toBe("ClusterIP");
    });

    test("the waypoint is Accepted and Programmed; istiod deploys it", async () => {
        await eventually(() => expect(conditionsOf("waypoint", AMBIENT_NAMESPACE)).toMatchObject({ Accepted: "True", Programmed: "True" }), 180);
        for (const kind of ["deployment", "service"]) {
            expect(find(kind, "waypoint", AMBIENT_NAMESPACE)).toBeDefined();
            expect(managers(kind, "waypoint", AMBIENT_NAMESPACE)).toContain("istio.io/gateway-controller");
        }
    });

    test("a dry-run pod in the ambient namespace is not injected; in the sidecar namespace it is", () => {
        const ambient = dryRunPod(AMBIENT_NAMESPACE);
        expect(ambient.spec.containers.map((container) => container.name)).toEqual(["app"]);
        expect(ambient.spec.initContainers ?? []).toEqual([]);
        const sidecar = dryRunPod(SIDECAR_NAMESPACE);
        expect((sidecar.spec.initContainers ?? []).map((container) => [container.name, container.restartPolicy ?? null])).toEqual([
            ["istio-validation", null],
            ["istio-proxy", "Always"],
        ]);
    });

    test("verify: node agents, labels, no sidecar in ambient pods, CRD minimums, Gateways programmed", () => {
        const settings = parseMeshConfig(mesh(), {}, workspace.stackName);
        const results = verifyCluster(settings).filter((result) => !/^the (intermediate|root|plug-in CA)\b/.test(result.check));
        expect(results.filter((result) => result.status !== "ok")).toEqual([]);
        expect(results.map((result) => result.check)).toEqual(
            expect.arrayContaining([
                "istio-cni-node is ready on every node",
                "ztunnel is ready on every node",
                "the Gateway API CRDs meet istiod's minimum versions",
                `namespace ${AMBIENT_NAMESPACE} is labeled istio.io/dataplane-mode=ambient, istio.io/use-waypoint=waypoint`,
                `namespace ${AMBIENT_NAMESPACE} runs pods without a sidecar (ambient)`,
                `namespace ${SIDECAR_NAMESPACE} is injected by ${revision}`,
                `waypoint ${AMBIENT_NAMESPACE}/waypoint is Accepted and Programmed`,
                `Gateway istio-ingress/${GATEWAY} is Accepted and Programmed`,
            ]),
        );
    });
});
