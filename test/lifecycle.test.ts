/**
 * Lifecycle: the stack owns what it applies (forced server-side apply), the census of pods per revision and the guard
 * of a revision's removal, and the recovery of an interrupted run (scripts/recover.js).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { hasCluster, isKubeconfigContents } from "../components/lifecycle/kube";
import { forcedOwnershipTransform, isKubernetesObject, withForcedOwnership } from "../components/lifecycle/ownership";
import {
    census,
    censusChecks,
    istiodAndTagsFrom,
    LiveMesh,
    movedTags,
    proxyPodFrom,
    removedRevisions,
    RevisionInUseError,
    tagMoveWarnings,
    tagsFrom,
    unsafeRemovals,
} from "../components/lifecycle/revisionCensus";
import { guardRevisionRemoval, removalGuardFor } from "../components/lifecycle/revisionRemoval";
import { configProblems, settingsWith } from "./fixtures";

interface Lock {
    pid: number;
    username?: string;
    hostname?: string;
    timestamp?: string;
}
interface RecoverModule {
    judgeLock(lock: Lock, here: { hostname: string; now: Date; isPulumiProcess: (pid: number) => boolean; staleAfterHours?: number }): { stale: boolean; reason: string };
    engineFlags(command: string, options: { refresh: boolean }): string[];
    describePending(pending: { type: string; resource: { urn: string } }[]): string;
    fileBackend(url: string | undefined): string | undefined;
    LOCK_STALE_HOURS: number;
}
// A plain CommonJS script (it runs before the engine, with no compile step); its functions are tested here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const recover = require("../scripts/recover.js") as RecoverModule;

describe("the stack owns what it applies", () => {
    test("every Kubernetes object is applied forcing conflicts, keeping its own annotations", () => {
        const crd = { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: "gateways.networking.istio.io", annotations: { "helm.sh/resource-policy": "keep" } } };
        expect(withForcedOwnership(crd).metadata.annotations).toEqual({ "helm.sh/resource-policy": "keep", "pulumi.com/patchForce": "true" });
        expect(withForcedOwnership({ kind: "Namespace" })).toEqual({ kind: "Namespace", metadata: { annotations: { "pulumi.com/patchForce": "true" } } });
    });

    test("only the kubernetes provider's objects: not its components (charts), nor other providers' resources", () => {
        expect(isKubernetesObject("kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", true)).toBe(true);
        expect(isKubernetesObject("kubernetes:helm.sh/v4:Chart", false)).toBe(false);
        expect(isKubernetesObject("tls:index/privateKey:PrivateKey", true)).toBe(false);
        expect(isKubernetesObject("pulumi:providers:kubernetes", true)).toBe(false);
        const args = (type: string, custom: boolean) => ({ type, name: "n", props: { metadata: { name: "x" } }, opts: {}, custom });
        expect(forcedOwnershipTransform(args("tls:index/privateKey:PrivateKey", true))).toBeUndefined();
        expect(forcedOwnershipTransform(args("kubernetes:core/v1:Secret", true))).toEqual({
            props: { metadata: { name: "x", annotations: { "pulumi.com/patchForce": "true" } } },
            opts: {},
        });
    });
});

const live: LiveMesh = {
    revisions: ["1-29-6", "1-30-3"],
    proxies: [
        { namespace: "shop", name: "cart-1", revision: "1-29-6" },
        { namespace: "shop", name: "cart-2", revision: "1-29-6" },
        { namespace: "billing", name: "api-1", revision: "1-29-6" },
        { namespace: "shop", name: "web-1", revision: "1-30-3" },
    ],
};

describe("the census of proxies", () => {
    test("counts pods per revision and namespace, sorted", () => {
        expect(census(live.proxies)).toEqual({
            "1-29-6": { revision: "1-29-6", pods: 3, namespaces: { billing: 1, shop: 2 } },
            "1-30-3": { revision: "1-30-3", pods: 1, namespaces: { shop: 1 } },
        });
    });

    test("reads a pod's revision from istiod's injection status, then its label; pods without a proxy are left out", () => {
        expect(proxyPodFrom('shop\tcart-1\t1-29-6\t{"initContainers":["istio-init"],"revision":"1-29-6"}')).toEqual({ namespace: "shop", name: "cart-1", revision: "1-29-6" });
        expect(proxyPodFrom('shop\tcart-1\tcanary\t{"revision":"1-30-3"}')).toEqual({ namespace: "shop", name: "cart-1", revision: "1-30-3" });
        expect(proxyPodFrom("shop\tcart-1\t1-29-6\tnot json")).toEqual({ namespace: "shop", name: "cart-1", revision: "1-29-6" });
        // istiod's own pods carry istio.io/rev but no injection status.
        expect(proxyPodFrom("istio-system\tistiod-1-29-6-abc\t1-29-6\t")).toBeUndefined();
        expect(proxyPodFrom("")).toBeUndefined();
    });

    test("a revision is removed when it runs and the configuration no longer has it", () => {
        expect(removedRevisions(live, ["1-30-3"])).toEqual(["1-29-6"]);
        expect(removedRevisions(live, ["1-29-6", "1-30-3"])).toEqual([]);
    });

    test("an istiod the stack did not apply (istioctl's, another stack's) is never the stack's to remove", () => {
        expect(removedRevisions({ ...live, owned: ["1-30-3"] }, ["1-30-3"])).toEqual([]);
        expect(unsafeRemovals({ ...live, owned: ["1-30-3"] }, ["1-30-3"])).toEqual([]);
    });

    test("removing a revision that pods use names the count and the namespaces; an unused one is fine", () => {
        expect(unsafeRemovals(live, ["1-30-3"])).toEqual([
            "revision 1-29-6 is removed, but 3 pod(s) still run its proxies, in billing (1), shop (2): they would lose their control plane. " +
                "Fix: move those namespaces to another revision or tag and restart their workloads first (npm run verify lists them), " +
                "or set lifecycle.forceRevisionRemoval: true",
        ]);
        expect(unsafeRemovals({ ...live, proxies: live.proxies.filter((pod) => pod.revision === "1-30-3") }, ["1-30-3"])).toEqual([]);
    });

    test("verify shows the census and the pods that must restart to follow their namespace's revision", () => {
        expect(censusChecks(live, { shop: "1-30-3", billing: "1-29-6" })).toEqual([
            { check: "pods running proxies of 1-29-6", status: "ok", detail: "3 pod(s): billing (1), shop (2)" },
            { check: "pods running proxies of 1-30-3", status: "ok", detail: "1 pod(s): shop (1)" },
            {
                check: "namespace shop runs the proxies of its revision",
                status: "warn",
                detail: "2 pod(s) still run 1-29-6, the namespace selects 1-30-3: restart them (cart-1, cart-2)",
            },
        ]);
        expect(censusChecks({ revisions: ["1-30-3"], proxies: live.proxies.slice(2, 3) }, {})).toEqual([
            { check: "pods running proxies of 1-29-6", status: "fail", detail: "1 pod(s) in billing (1), and no istiod of that revision runs: restart them" },
        ]);
    });
});

describe("a tag's move", () => {
    test("moves only a tag the cluster has, to another revision", () => {
        expect(movedTags({ default: "1-29-6", canary: "1-30-3" }, { default: "1-30-3", canary: "1-30-3", prod: "1-30-3" })).toEqual([
            { tag: "default", from: "1-29-6", to: "1-30-3" },
        ]);
        expect(movedTags({}, { default: "1-30-3" })).toEqual([]);
    });

    test("warns for the pods of the namespaces that follow the tag and still run the revision it leaves, only those", () => {
        const mesh: LiveMesh = { ...live, tags: { prod: "1-29-6", canary: "1-29-6" } };
        // billing follows canary, which stays; shop follows prod, which moves; web-1 already runs 1-30-3.
        expect(tagMoveWarnings(mesh, { prod: "1-30-3", canary: "1-29-6" }, { shop: "prod", billing: "canary" })).toEqual([
            "tag prod moves from 1-29-6 to 1-30-3: 2 pod(s) in shop (2) still run the proxies of 1-29-6 and keep them until they restart. " +
                "Restart their workloads after this up (npm run verify lists them), and keep revision 1-29-6 until they have",
        ]);
        expect(tagMoveWarnings({ ...mesh, proxies: live.proxies.slice(3) }, { prod: "1-30-3" }, { shop: "prod" })).toEqual([]);
        expect(tagMoveWarnings({ ...live, tags: undefined }, { prod: "1-30-3" }, { shop: "prod" })).toEqual([]);
    });

    test("reads the cluster's tags from their webhooks' labels", () => {
        expect(tagsFrom("default\t1-29-6\nprod\t1-30-3\n\t1-30-3\n")).toEqual({ default: "1-29-6", prod: "1-30-3" });
        expect(tagsFrom("")).toEqual({});
    });

    test("reads istiod's revisions, owners and pod labels and the tags from one listing of Deployments and webhooks", () => {
        // kind, app label, istio.io/tag label, istio.io/rev label, patchForce annotation, name, pod template's instance label
        const listing = [
            "Deployment\tistiod\t\t1-29-6\ttrue\tistiod-1-29-6\tistiod-1-29-6",
            "Deployment\tistiod\t\t1-30-3\t\tistiod-1-30-3\tistio",
            "Deployment\tistio-ingressgateway\t\t1-30-3\ttrue\tistio-ingressgateway\t",
            "MutatingWebhookConfiguration\tsidecar-injector\tprod\t1-30-3\ttrue\tistio-revision-tag-prod\t",
            "MutatingWebhookConfiguration\tsidecar-injector\t\t1-29-6\ttrue\tistio-sidecar-injector-1-29-6\t",
            "MutatingWebhookConfiguration\tother\t\t\t\tsomeone-elses\t",
            "",
        ].join("\n");
        expect(istiodAndTagsFrom(listing)).toEqual({
            revisions: ["1-29-6", "1-30-3"],
            owned: ["1-29-6"],
            podInstanceLabels: { "istiod-1-29-6": "istiod-1-29-6", "istiod-1-30-3": "istio" },
            tags: { prod: "1-30-3" },
        });
        expect(istiodAndTagsFrom("")).toEqual({ revisions: [], owned: [], podInstanceLabels: {}, tags: {} });
    });
});

describe("the guard of a revision's removal", () => {
    // A kubeconfig given as contents: there is a cluster to read (the reader is the test's).
    const guard = {
        istioNamespace: "istio-system",
        revisions: ["1-30-3"],
        tags: { default: "1-30-3" },
        namespaceTags: { shop: "default" },
        cluster: { kubeconfig: "apiVersion: v1\nkind: Config\n" },
        force: false,
    };

    test("refuses, before anything is registered, with a message alone", () => {
        let asked: boolean | undefined;
        const read = (_access: unknown, namespace: string, withPods: (revisions: readonly string[], tags: Readonly<Record<string, string>>) => boolean) => {
            expect(namespace).toBe("istio-system");
            asked = withPods(live.revisions, { default: "1-30-3" });
            return live;
        };
        expect(() => guardRevisionRemoval(guard, "prod", read)).toThrow(RevisionInUseError);
        expect(asked).toBe(true);
        try {
            guardRevisionRemoval(guard, "prod", read);
        } catch (error) {
            expect((error as Error).message).toBe(`Unsafe revision removal in stack "prod"; nothing was changed:\n  - ${unsafeRemovals(live, ["1-30-3"])[0]}`);
            expect((error as Error).stack).toBe(`RevisionInUseError: ${(error as Error).message}`);
        }
    });

    test("lists pods only when a revision goes or a tag moves", () => {
        const asked: boolean[] = [];
        const both = { ...guard, revisions: ["1-29-6", "1-30-3"] };
        const read = (liveTags: Record<string, string>) => () =>
            guardRevisionRemoval(both, "prod", (_access, _namespace, withPods) => {
                asked.push(withPods(live.revisions, liveTags));
                return { revisions: live.revisions, proxies: [], tags: liveTags };
            });
        read({ default: "1-30-3" })();
        read({})();
        read({ default: "1-29-6" })();
        expect(asked).toEqual([false, false, true]);
    });

    test("a tag moved while pods of its namespaces run the revision it leaves: a warning with the count and the namespaces", () => {
        const warn = jest.spyOn(pulumi.log, "warn").mockImplementation(() => Promise.resolve());
        const both = { ...guard, revisions: ["1-29-6", "1-30-3"], namespaceTags: { shop: "default", billing: "default" } };
        guardRevisionRemoval(both, "prod", () => ({ ...live, tags: { default: "1-29-6" } }));
        expect(warn.mock.calls.map(([message]) => message)).toEqual([
            "tag default moves from 1-29-6 to 1-30-3: 3 pod(s) in billing (1), shop (2) still run the proxies of 1-29-6 and keep them until they " +
                "restart. Restart their workloads after this up (npm run verify lists them), and keep revision 1-29-6 until they have",
        ]);
        warn.mockRestore();
    });

    test("forced, it warns with the same census and goes on", () => {
        const warn = jest.spyOn(pulumi.log, "warn").mockImplementation(() => Promise.resolve());
        guardRevisionRemoval({ ...guard, force: true }, "prod", () => live);
        expect(warn.mock.calls.map(([message]) => message)).toEqual([`forced (lifecycle.forceRevisionRemoval): ${unsafeRemovals(live, ["1-30-3"])[0]}`]);
        warn.mockRestore();
    });

    test("a cluster that cannot be read is a warning, not a stop (a first install may precede the cluster)", () => {
        const warn = jest.spyOn(pulumi.log, "warn").mockImplementation(() => Promise.resolve());
        guardRevisionRemoval(guard, "prod", () => {
            throw new Error("The connection to the server 127.0.0.1:6443 was refused\nmore");
        });
        expect(warn.mock.calls.map(([message]) => message)).toEqual([
            "revision removal not checked: the cluster could not be read (The connection to the server 127.0.0.1:6443 was refused)",
        ]);
        warn.mockRestore();
    });

    test("without any cluster to talk to, nothing is read", () => {
        const home = fs.mkdtempSync(path.join(os.tmpdir(), "mesh-home-"));
        const file = path.join(home, "kubeconfig");
        expect(hasCluster({}, {}, home)).toBe(false);
        expect(hasCluster({ kubeconfig: file }, {}, home)).toBe(false);
        expect(hasCluster({}, { KUBECONFIG: file }, home)).toBe(false);
        fs.writeFileSync(file, "");
        expect(hasCluster({ kubeconfig: file }, {}, home)).toBe(true);
        expect(hasCluster({ kubeconfig: "apiVersion: v1\nkind: Config\n" }, {}, home)).toBe(true);
        expect(hasCluster({}, { KUBECONFIG: `/nowhere${path.delimiter}${file}` }, home)).toBe(true);
        expect(hasCluster({}, { KUBERNETES_SERVICE_HOST: "10.96.0.1" }, home)).toBe(true);
        fs.rmSync(file);
        fs.mkdirSync(path.join(home, ".kube"));
        fs.writeFileSync(path.join(home, ".kube", "config"), "");
        expect(hasCluster({}, {}, home)).toBe(true);
        fs.rmSync(home, { recursive: true, force: true });
    });

    test("a kubeconfig is contents or a path", () => {
        expect(isKubeconfigContents("apiVersion: v1\nkind: Config\n")).toBe(true);
        expect(isKubeconfigContents('{"apiVersion":"v1"}')).toBe(true);
        expect(isKubeconfigContents("/etc/mesh/kubeconfig")).toBe(false);
    });
});

describe("recovering an interrupted run (scripts/recover.js)", () => {
    const now = new Date("2026-12-01T21:00:00Z");
    const here = { hostname: "ci-runner-1", now, isPulumiProcess: (pid: number) => pid === 4242 };

    test("a lock of this host whose process is gone, or is not pulumi any more (a reused pid), is stale", () => {
        expect(recover.judgeLock({ pid: 999, username: "ci", hostname: "ci-runner-1", timestamp: "2026-12-01T20:59:00Z" }, here)).toEqual({
            stale: true,
            reason: "pid 999 of ci@ci-runner-1, since 2026-12-01T20:59:00Z, which no longer runs",
        });
    });

    test("a lock of a running pulumi on this host is respected, however old", () => {
        expect(recover.judgeLock({ pid: 4242, username: "ci", hostname: "ci-runner-1", timestamp: "2026-12-01T20:59:00Z" }, here)).toEqual({
            stale: false,
            reason: "pid 4242 of ci@ci-runner-1, since 2026-12-01T20:59:00Z",
        });
        expect(recover.judgeLock({ pid: 4242, hostname: "ci-runner-1", timestamp: "2026-11-01T00:00:00Z" }, here).stale).toBe(false);
    });

    test("another host's lock is respected until it is older than the bound", () => {
        expect(recover.LOCK_STALE_HOURS).toBe(6);
        const other = { pid: 4242, username: "ci", hostname: "ci-runner-2" };
        expect(recover.judgeLock({ ...other, timestamp: "2026-12-01T15:30:00Z" }, here).stale).toBe(false);
        expect(recover.judgeLock({ ...other, timestamp: "2026-12-01T14:30:00Z" }, here)).toEqual({
            stale: true,
            reason: "pid 4242 of ci@ci-runner-2, since 2026-12-01T14:30:00Z, older than 6 h",
        });
    });

    test("up and preview refresh first, unless turned off; destroy does not need it", () => {
        expect(recover.engineFlags("up", { refresh: true })).toEqual(["--refresh"]);
        expect(recover.engineFlags("preview", { refresh: true })).toEqual(["--refresh"]);
        expect(recover.engineFlags("destroy", { refresh: true })).toEqual([]);
        expect(recover.engineFlags("up", { refresh: false })).toEqual([]);
    });

    test("pending operations are named in one line", () => {
        const operation = (type: string, name: string) => ({ type, resource: { urn: `urn:pulumi:dev::istio-mesh::kubernetes:core/v1:Secret::${name}` } });
        expect(recover.describePending([operation("creating", "mesh-cacerts"), operation("updating", "mesh-namespace")])).toBe(
            "2 operation(s) of an interrupted run were still pending (creating mesh-cacerts, updating mesh-namespace)",
        );
        expect(recover.describePending(Array.from({ length: 7 }, (_, index) => operation("creating", `o${index}`)))).toBe(
            "7 operation(s) of an interrupted run were still pending (creating o0, creating o1, creating o2, creating o3, creating o4, and 2 more)",
        );
    });

    test("locks are read only from a local file backend", () => {
        expect(recover.fileBackend("file:///srv/state")).toBe("/srv/state");
        expect(recover.fileBackend("file://~/state")).toBe(path.join(os.homedir(), "state"));
        expect(recover.fileBackend("s3://bucket/state")).toBeUndefined();
        expect(recover.fileBackend(undefined)).toBeUndefined();
    });
});

describe("the readiness and lifecycle keys", () => {
    test("defaults: probe serving in default for up to 300 s; a revision in use is never removed", () => {
        const settings = settingsWith();
        expect(settings.readiness).toEqual({ probe: "serving", probeNamespace: "default", timeoutSeconds: 300 });
        expect(settings.lifecycle).toEqual({ forceRevisionRemoval: false, adoptExisting: false });
    });

    test("bad values are reported with their key path and the fix", () => {
        expect(configProblems({ istio: { version: "1.30.3" }, readiness: { probe: "sometimes", timeoutSeconds: 1, probeNamespace: "Bad_NS" }, lifecycle: { forceRevisionRemoval: "yes", adoptExisting: 1 } })).toEqual([
            "mesh.readiness.probe: got \"sometimes\"; allowed: one of \"serving\", \"skip\". Fix: pulumi config set --path 'mesh.readiness.probe' serving",
            "mesh.readiness.probeNamespace: got \"Bad_NS\"; allowed: a namespace name (a DNS label). Fix: e.g. default",
            "mesh.readiness.timeoutSeconds: got 1; allowed: at least 10 seconds (istiod needs a few to start). Fix: e.g. 300",
            "mesh.lifecycle.forceRevisionRemoval: got \"yes\"; allowed: a boolean. Fix: write mesh.lifecycle.forceRevisionRemoval as a boolean (true or false, without quotes)",
            "mesh.lifecycle.adoptExisting: got 1; allowed: a boolean. Fix: write mesh.lifecycle.adoptExisting as a boolean (true or false, without quotes)",
        ]);
    });

    test("the guard reads the mesh's cluster; a kubeconfig that is an Output cannot be read before the deployment", () => {
        const settings = settingsWith({
            istio: { version: undefined, revisions: [{ version: "1.29.6" }, { version: "1.30.3" }], tags: { default: "1-30-3" } },
            namespaces: [{ name: "shop" }, { name: "billing", revision: "1-29-6" }],
            lifecycle: { forceRevisionRemoval: true },
        });
        expect(removalGuardFor(settings, { kubeconfig: "/etc/kubeconfig", context: "prod" })).toEqual({
            istioNamespace: "istio-system",
            revisions: ["1-29-6", "1-30-3"],
            tags: { default: "1-30-3" },
            // Only the namespaces that follow a tag: billing names its revision.
            namespaceTags: { shop: "default" },
            cluster: { kubeconfig: "/etc/kubeconfig", context: "prod" },
            force: true,
        });
        expect(removalGuardFor(settings, { kubeconfig: pulumi.output("apiVersion: v1\n") })).toBeUndefined();
    });
});
