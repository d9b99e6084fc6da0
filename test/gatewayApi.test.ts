import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseIstioVersion } from "../components/config/istioVersion";
import { crdFindings, LiveCrd } from "../components/gatewayapi/crdRules";
import { forceOwnershipTransform, PATCH_FORCE_ANNOTATION } from "../components/gatewayapi/crds";
import { kubectlCrdReader, parseCrdLines } from "../components/gatewayapi/liveCrds";
import { ingressGatewayApiObject, waypointObject } from "../components/gatewayapi/objects";
import {
    compareBundleVersions,
    gatewayApiVersionFor,
    istiodCrdRequirements,
    parseBundleVersion,
    releaseManifestUrl,
} from "../components/gatewayapi/versions";

const istio = (text: string) => parseIstioVersion(text)!;
const bundle = (text: string) => parseBundleVersion(text)!;

describe("Gateway API versions", () => {
    test.each([
        ["1.29.0", "v1.4.0"],
        ["1.29.2", "v1.4.0"],
        ["1.29.3", "v1.4.1"],
        ["1.29.6", "v1.4.1"],
        ["1.30.0", "v1.5.1"],
        ["1.30.3", "v1.5.1"],
        ["1.31.0-rc.0", "v1.6.0"],
        ["1.31.0", "v1.6.0"],
    ])("Istio %s builds against %s (its go.mod)", (version, expected) => {
        expect(gatewayApiVersionFor(istio(version)).text).toBe(expected);
    });

    test("an unknown line is an error, not a guess", () => {
        expect(() => gatewayApiVersionFor(istio("1.32.0"))).toThrow("no Gateway API data for Istio 1.32.0");
    });

    test("bundle versions compare as semantic versions; a pre-release sorts before its release", () => {
        expect(compareBundleVersions(bundle("v1.5.0-dev"), bundle("v1.5.0"))).toBeLessThan(0);
        expect(compareBundleVersions(bundle("v1.10.0"), bundle("v1.9.1"))).toBeGreaterThan(0);
        expect(compareBundleVersions(bundle("1.5.1"), bundle("v1.5.1"))).toBe(0);
        expect(parseBundleVersion("latest")).toBeUndefined();
    });

    test("istiod's minimums grow by line; 1.29 has a maximum for TLSRoute", () => {
        const names = (text: string) => istiodCrdRequirements(istio(text)).map((r) => `${r.crd} ${r.minimum?.text ?? "-"} ${r.maximum?.text ?? "-"}`);
        expect(names("1.29.6")).toEqual([
            "backendtlspolicies.gateway.networking.k8s.io v1.4.0 -",
            "grpcroutes.gateway.networking.k8s.io v1.1.0 -",
            "tlsroutes.gateway.networking.k8s.io - v1.4.1",
        ]);
        expect(names("1.30.3")).toContain("tlsroutes.gateway.networking.k8s.io v1.5.0 -");
        expect(names("1.31.0")).toContain("tcproutes.gateway.networking.k8s.io v1.6.0 -");
        expect(names("1.29.1")).not.toContain("tlsroutes.gateway.networking.k8s.io - v1.4.1");
    });

    test("the release manifest is the Gateway API project's per channel", () => {
        expect(releaseManifestUrl(bundle("v1.5.1"), "standard")).toBe(
            "https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.5.1/standard-install.yaml",
        );
        expect(releaseManifestUrl(bundle("v1.6.0"), "experimental")).toMatch(/\/v1\.6\.0\/experimental-install\.yaml$/);
    });
});

describe("Gateway API CRD rules", () => {
    const managed = (version: string, channel: "standard" | "experimental" = "standard") => ({
        plan: { mode: "managed" as const, version: bundle(version), channel },
        istiodVersions: [istio("1.30.3")],
        requiredCrds: ["gateways.gateway.networking.k8s.io"],
    });
    const crd = (name: string, bundleVersion?: string, channel = "standard"): LiveCrd => ({
        name: `${name}.gateway.networking.k8s.io`,
        ...(bundleVersion !== undefined ? { bundleVersion } : {}),
        channel,
    });

    test("managed: no CRDs, or older ones, are fine (an upgrade)", () => {
        expect(crdFindings(managed("v1.5.1"), [])).toEqual({ errors: [], warnings: [] });
        expect(crdFindings(managed("v1.5.1"), [crd("gateways", "v1.4.1"), crd("httproutes", "v1.5.1")]).errors).toEqual([]);
    });

    test("managed: an older pin over newer live CRDs is an error naming both versions", () => {
        const { errors } = crdFindings(managed("v1.5.1"), [crd("gateways", "v1.6.0"), crd("httproutes", "v1.5.1")]);
        expect(errors).toHaveLength(1);
        expect(errors[0]).toContain("newer than the v1.5.1 this stack would apply");
        expect(errors[0]).toContain("gateways.gateway.networking.k8s.io v1.6.0");
        expect(errors[0]).not.toContain("httproutes");
        expect(errors[0]).toContain("gatewayApi.crds: external");
    });

    test("managed: a release candidate of the pinned version is older, the pinned release applies over it", () => {
        expect(crdFindings(managed("v1.5.1"), [crd("gateways", "v1.5.1-rc.1")]).errors).toEqual([]);
    });

    test("managed: unversioned CRDs and experimental ones under a standard pin are refused", () => {
        const { errors } = crdFindings(managed("v1.5.1"), [crd("gateways"), crd("tcproutes", "v1.5.1", "experimental")]);
        expect(errors).toHaveLength(2);
        expect(errors[0]).toContain("without a valid gateway.networking.k8s.io/bundle-version annotation: gateways.gateway.networking.k8s.io");
        expect(errors[1]).toContain("experimental-channel Gateway API CRDs in the cluster (tcproutes.gateway.networking.k8s.io)");
        expect(crdFindings(managed("v1.5.1", "experimental"), [crd("tcproutes", "v1.5.1", "experimental")]).errors).toEqual([]);
    });

    test("managed with a 1.29 revision beside a newer pin: a warning that 1.29 ignores TLSRoutes", () => {
        const check = { ...managed("v1.5.1"), istiodVersions: [istio("1.29.6"), istio("1.30.3")] };
        const { errors, warnings } = crdFindings(check, [crd("tlsroutes", "v1.4.1")]);
        expect(errors).toEqual([]);
        expect(warnings).toEqual([
            "istiod 1.29.6 ignores tlsroutes.gateway.networking.k8s.io above v1.4.1, and the cluster gets v1.5.1: its TLSRoutes are served by newer revisions only",
        ]);
    });

    const external = (versions: string[]) => ({ plan: { mode: "external" as const }, istiodVersions: versions.map(istio), requiredCrds: ["gateways.gateway.networking.k8s.io"] });

    test("external: CRDs below istiod's minimums are errors naming the CRD, both versions and the istiod", () => {
        const { errors } = crdFindings(external(["1.30.3"]), [crd("gateways", "v1.4.1"), crd("tlsroutes", "v1.4.1"), crd("grpcroutes", "v1.4.1")]);
        expect(errors).toEqual([
            "tlsroutes.gateway.networking.k8s.io is v1.4.1, below v1.5.0 that istiod 1.30.3 requires: istiod silently ignores every resource of that kind. Fix: upgrade the cluster's Gateway API CRDs to v1.5.0 or newer, or set gatewayApi.crds: managed",
        ]);
    });

    test("external: istiod rounds release candidates up, as its CRD watcher does", () => {
        expect(crdFindings(external(["1.30.3"]), [crd("gateways", "v1.5.0"), crd("tlsroutes", "v1.5.0-rc.1")]).errors).toEqual([]);
    });

    test("external: a missing required CRD is an error; newer CRDs are fine", () => {
        expect(crdFindings(external(["1.30.3"]), [])).toEqual({
            errors: [expect.stringContaining("gatewayApi.crds is external, but the cluster has no CRD gateways.gateway.networking.k8s.io")],
            warnings: [],
        });
        expect(crdFindings(external(["1.30.3"]), [crd("gateways", "v1.6.0"), crd("tlsroutes", "v1.6.0")]).errors).toEqual([]);
    });
});

describe("reading live CRDs", () => {
    test("kubectl's template lines become CRDs; missing annotations are undefined", () => {
        expect(
            parseCrdLines("tlsroutes.gateway.networking.k8s.io\tv1.5.1\tstandard\ngateways.gateway.networking.k8s.io\t<no value>\t<no value>\nold.gateway.networking.k8s.io\t\n"),
        ).toEqual([
            { name: "gateways.gateway.networking.k8s.io" },
            { name: "old.gateway.networking.k8s.io" },
            { name: "tlsroutes.gateway.networking.k8s.io", bundleVersion: "v1.5.1", channel: "standard" },
        ]);
    });
});

describe("force ownership of the CRDs", () => {
    test("adds the patch-force annotation to Kubernetes objects, keeps their own annotations", () => {
        const transform = forceOwnershipTransform();
        const result = transform({
            type: "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition",
            name: "crd",
            custom: true,
            props: { metadata: { name: "gateways.gateway.networking.k8s.io", annotations: { "gateway.networking.k8s.io/bundle-version": "v1.5.1" } } },
            opts: {},
        });
        expect(result).toBeDefined();
        expect((result as unknown as { props: { metadata: { annotations: Record<string, string> } } }).props.metadata.annotations).toEqual({
            "gateway.networking.k8s.io/bundle-version": "v1.5.1",
            [PATCH_FORCE_ANNOTATION]: "true",
        });
        expect(transform({ type: "kubernetes:yaml/v2:ConfigFile", name: "x", custom: false, props: {}, opts: {} })).toBeUndefined();
    });
});

describe("Gateway API objects", () => {
    test("an ingress Gateway of class istio: HTTPS with the credential, HTTP otherwise, routes from all namespaces", () => {
        const gateway = ingressGatewayApiObject({
            name: "public",
            namespace: "istio-ingress",
            hosts: [{ host: "shop.example.com", tlsCredential: "shop-tls" }, { host: "*.example.org" }],
            serviceType: "ClusterIP",
            serviceAnnotations: { "cloud/lb": "internal" },
            revision: "canary",
        });
        expect(gateway.metadata).toEqual({
            name: "public",
            namespace: "istio-ingress",
            labels: { "istio.io/rev": "canary" },
            annotations: { "cloud/lb": "internal", "networking.istio.io/service-type": "ClusterIP" },
        });
        expect(gateway.spec.gatewayClassName).toBe("istio");
        expect(gateway.spec.listeners).toEqual([
            {
                name: "https-shop-example-com",
                hostname: "shop.example.com",
                port: 443,
                protocol: "HTTPS",
                tls: { mode: "Terminate", certificateRefs: [{ kind: "Secret", name: "shop-tls" }] },
                allowedRoutes: { namespaces: { from: "All" } },
            },
            { name: "http-wildcard-example-org", hostname: "*.example.org", port: 80, protocol: "HTTP", allowedRoutes: { namespaces: { from: "All" } } },
        ]);
    });

    test("without hosts, one HTTP listener for any host; the default tag sets no revision label", () => {
        const gateway = ingressGatewayApiObject({ name: "public", namespace: "istio-ingress", hosts: [], serviceType: "LoadBalancer", serviceAnnotations: {} });
        expect(gateway.spec.listeners.map((listener) => [listener.name, listener.port, listener.hostname])).toEqual([["http", 80, undefined]]);
        expect(gateway.metadata.labels).toBeUndefined();
    });

    test("a waypoint as istioctl writes it: class istio-waypoint, HBONE on 15008, the traffic it serves", () => {
        expect(waypointObject({ name: "waypoint", namespace: "shop", trafficType: "all" })).toEqual({
            apiVersion: "gateway.networking.k8s.io/v1",
            kind: "Gateway",
            metadata: { name: "waypoint", namespace: "shop", labels: { "istio.io/waypoint-for": "all" } },
            spec: { gatewayClassName: "istio-waypoint", listeners: [{ name: "mesh", port: 15008, protocol: "HBONE" }] },
        });
    });
});

describe("the kubectl reader", () => {
    const originalPath = process.env.PATH;
    let bin: string;

    beforeEach(() => {
        // A stand-in kubectl that records its arguments (and the kubeconfig it was handed) and prints one CRD line.
        bin = fs.mkdtempSync(path.join(os.tmpdir(), "fake-kubectl-"));
        fs.writeFileSync(
            path.join(bin, "kubectl"),
            '#!/bin/sh\nprintf "%s\\n" "$@" > "$(dirname "$0")/args"\nwhile [ $# -gt 0 ]; do [ "$1" = --kubeconfig ] && cat "$2" > "$(dirname "$0")/config"; shift; done\n' +
                'printf "gateways.gateway.networking.k8s.io\\tv1.5.1\\tstandard\\n"\n',
            { mode: 0o755 },
        );
        process.env.PATH = `${bin}:${originalPath}`;
    });
    afterEach(() => {
        process.env.PATH = originalPath;
        fs.rmSync(bin, { recursive: true, force: true });
    });

    test("passes the stack's kubeconfig (contents through a private file, removed afterwards) and context", () => {
        const contents = "apiVersion: v1\nkind: Config\n";
        expect(kubectlCrdReader({ kubeconfig: contents, context: "prod-eu" })()).toEqual([
            { name: "gateways.gateway.networking.k8s.io", bundleVersion: "v1.5.1", channel: "standard" },
        ]);
        const args = fs.readFileSync(path.join(bin, "args"), "utf8").trim().split("\n");
        expect(args.slice(0, 3)).toEqual(["get", "customresourcedefinitions", "-o"]);
        expect(args.slice(-2)).toEqual(["--context", "prod-eu"]);
        const file = args[args.indexOf("--kubeconfig") + 1];
        expect(fs.readFileSync(path.join(bin, "config"), "utf8")).toBe(contents);
        expect(fs.existsSync(file)).toBe(false);
    });

    test("a kubeconfig path is passed as it is; no kubeconfig means the current context", () => {
        kubectlCrdReader({ kubeconfig: "/etc/mesh/kubeconfig" })();
        expect(fs.readFileSync(path.join(bin, "args"), "utf8")).toContain("--kubeconfig\n/etc/mesh/kubeconfig\n");
        kubectlCrdReader({})();
        expect(fs.readFileSync(path.join(bin, "args"), "utf8")).not.toContain("--kubeconfig");
    });

    test("without kubectl the error says what is missing and how to fix it", () => {
        process.env.PATH = bin.replace(/fake-kubectl-.*/, "nowhere");
        expect(() => kubectlCrdReader({})()).toThrow(
            "cannot read the cluster's Gateway API CRDs (needed to never downgrade them): kubectl is not on PATH. Fix: install kubectl and check that the stack's cluster (mesh.cluster) is reachable",
        );
    });
});
