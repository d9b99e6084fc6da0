/**
 * The policy pack's rules, run on the resources a policy sees (type, URN, properties), built here without the engine.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { parseMeshConfig } from "../components/config/load";
import { MeshSettings } from "../components/config/settings";
import { istiodValues } from "../components/controlplane/values";
import { egressObjects } from "../components/gateways/egressRules";
import { keySpec } from "../components/pki/specs";
import { peerAuthenticationSpec } from "../components/security/meshPolicy";
import {
    caKeyStrength,
    istiodAvailability,
    pinnedImageTags,
    policies,
    policyPackArgs,
    registryOnlyNeedsEgressGateway,
    StackCheck,
    strictMtls,
} from "../policy/policies";
import { StackResource } from "../policy/resources";
import { enforcementFor, tagOfImage } from "../policy/rules";
import { StartedPolicyPack } from "./policyPackHost";

interface Violation {
    readonly message: string;
    readonly urn?: string;
}

function urnOf(type: string, name: string, stack = "prod"): string {
    return `urn:pulumi:${stack}::istio-mesh::${type}::${name}`;
}

function resource(type: string, name: string, props: Record<string, unknown>, stack = "prod"): StackResource {
    return { type, name, urn: urnOf(type, name, stack), props };
}

/** Runs one policy's stack validation and returns what it reported. */
function run(check: StackCheck, resources: readonly StackResource[]): Violation[] {
    const violations: Violation[] = [];
    check({ resources: resources as never }, (message, urn) => violations.push({ message, urn }));
    return violations;
}

// The values Istio's istiod chart records in its values ConfigMap: those of a production control plane.
const HA_VALUES = {
    revision: "1-30-3",
    autoscaleEnabled: true,
    autoscaleMin: 2,
    autoscaleMax: 5,
    replicaCount: 1,
    global: { istioNamespace: "istio-system", hub: "docker.io/istio", tag: "1.30.3", defaultPodDisruptionBudget: { enabled: true } },
    meshConfig: { rootNamespace: "istio-system", outboundTrafficPolicy: { mode: "ALLOW_ANY" } },
};

function valuesConfigMap(values: Record<string, unknown>, stack = "prod"): StackResource {
    const name = `values-${String(values.revision)}`;
    return resource(
        "kubernetes:core/v1:ConfigMap",
        `mesh-istiod:istio-system/${name}`,
        {
            metadata: { name, namespace: "istio-system", labels: { "app.kubernetes.io/name": "istiod", "istio.io/rev": values.revision } },
            data: { "original-values": "{}", "merged-values": JSON.stringify(values, null, 2) },
        },
        stack,
    );
}

function istiodDeployment(image = "docker.io/istio/pilot:1.30.3"): StackResource {
    return resource("kubernetes:apps/v1:Deployment", "mesh-istiod:istio-system/istiod-1-30-3", {
        metadata: { name: "istiod-1-30-3", namespace: "istio-system", labels: { app: "istiod", "istio.io/rev": "1-30-3" } },
        spec: {
            template: {
                metadata: { labels: { app: "istiod", "istio.io/rev": "1-30-3" } },
                spec: { containers: [{ name: "discovery", image }] },
            },
        },
    });
}

function gatewayDeployment(name: string, namespace: string): StackResource {
    return resource("kubernetes:apps/v1:Deployment", `mesh-gateway-${name}:${namespace}/${name}`, {
        metadata: { name, namespace, labels: { app: name } },
        spec: {
            template: {
                metadata: { labels: { app: name, istio: name.replace(/^istio-/, ""), "sidecar.istio.io/inject": "true" } },
                spec: { containers: [{ name: "istio-proxy", image: "auto" }] },
            },
        },
    });
}

function peerAuthentication(mode: string | undefined, namespace = "istio-system", name = "default"): StackResource {
    return resource("kubernetes:security.istio.io/v1:PeerAuthentication", `mesh-policy-mtls-${namespace}-${name}`, {
        apiVersion: "security.istio.io/v1",
        kind: "PeerAuthentication",
        metadata: { name, namespace },
        spec: mode === undefined ? {} : { mtls: { mode } },
    });
}

function privateKey(name: string, props: Record<string, unknown>, stack = "prod"): StackResource {
    return resource("tls:index/privateKey:PrivateKey", name, props, stack);
}

describe("enforcement", () => {
    test("mandatory on prod, advisory on every other stack", () => {
        expect(enforcementFor("prod")).toBe("mandatory");
        expect(enforcementFor("acme/istio-mesh/prod")).toBe("mandatory");
        expect(enforcementFor("staging")).toBe("advisory");
        expect(enforcementFor("dev")).toBe("advisory");
        expect(enforcementFor("")).toBe("advisory");
        expect(policyPackArgs("prod").enforcementLevel).toBe("mandatory");
        expect(policyPackArgs("staging").enforcementLevel).toBe("advisory");
    });

    test("the pack holds the five rules, none with a level of its own that would override the stack's", () => {
        expect(policies.map((policy) => policy.name)).toEqual([
            "strict-mtls",
            "istiod-availability",
            "registry-only-needs-egress-gateway",
            "ca-key-strength",
            "pinned-image-tags",
        ]);
        expect(policies.map((policy) => policy.enforcementLevel)).toEqual([undefined, undefined, undefined, undefined, undefined]);
    });
});

describe("strict-mtls", () => {
    test("passes with a STRICT PeerAuthentication default in the root namespace", () => {
        expect(run(strictMtls, [valuesConfigMap(HA_VALUES), peerAuthentication("STRICT")])).toEqual([]);
    });

    test("reports a PERMISSIVE one on the PeerAuthentication, naming mesh.mtls.mode", () => {
        const permissive = peerAuthentication("PERMISSIVE");
        expect(run(strictMtls, [valuesConfigMap(HA_VALUES), permissive])).toEqual([
            {
                message:
                    "PeerAuthentication istio-system/default sets mutual TLS to PERMISSIVE, so workloads also accept plaintext. " +
                    "Fix: set mesh.mtls.mode to STRICT",
                urn: permissive.urn,
            },
        ]);
        expect(run(strictMtls, [peerAuthentication(undefined)])[0].message).toMatch(/sets mutual TLS to \(unset: PERMISSIVE\)/);
    });

    test("a STRICT policy outside the root namespace does not make the mesh STRICT", () => {
        const values = { ...HA_VALUES, meshConfig: { ...HA_VALUES.meshConfig, rootNamespace: "mesh-root" } };
        expect(run(strictMtls, [valuesConfigMap(values), peerAuthentication("STRICT", "istio-system")])).toEqual([
            {
                message:
                    "no PeerAuthentication \"default\" in the root namespace mesh-root: workloads accept plaintext (Istio's " +
                    "PERMISSIVE default). Fix: set mesh.mtls.mode to STRICT",
                urn: undefined,
            },
        ]);
        expect(run(strictMtls, [valuesConfigMap(values), peerAuthentication("STRICT", "mesh-root")])).toEqual([]);
    });

    test("a stack without a mesh has nothing to check", () => {
        expect(run(strictMtls, [privateKey("key", { algorithm: "ECDSA", ecdsaCurve: "P256" })])).toEqual([]);
    });
});

describe("istiod-availability", () => {
    test("passes with an autoscaler from 2 pods and the disruption budget on", () => {
        expect(run(istiodAvailability, [valuesConfigMap(HA_VALUES), istiodDeployment()])).toEqual([]);
        const fixed = { ...HA_VALUES, autoscaleEnabled: false, replicaCount: 3 };
        expect(run(istiodAvailability, [valuesConfigMap(fixed)])).toEqual([]);
    });

    test("reports one fixed pod and a disabled budget, each with the key that fixes it", () => {
        const single = { ...HA_VALUES, autoscaleEnabled: false, replicaCount: 1, global: { ...HA_VALUES.global, defaultPodDisruptionBudget: { enabled: false } } };
        const configMap = valuesConfigMap(single);
        expect(run(istiodAvailability, [configMap])).toEqual([
            {
                message:
                    "istiod revision 1-30-3 (values in ConfigMap istio-system/values-1-30-3) runs as few as 1 pod (replicaCount 1): " +
                    "the control plane stops serving while it restarts. Fix: set mesh.istiod.autoscale.enabled to true with " +
                    "mesh.istiod.autoscale.min 2 or more (or mesh.istiod.replicas 2 or more)",
                urn: configMap.urn,
            },
            {
                message:
                    "istiod revision 1-30-3 (values in ConfigMap istio-system/values-1-30-3) has no disruption budget " +
                    "(global.defaultPodDisruptionBudget.enabled false): a node drain may evict every istiod at once. " +
                    "Fix: set mesh.istiod.disruptionBudget.enabled to true",
                urn: configMap.urn,
            },
        ]);
    });

    test("an autoscaler from 1 pod, as Istio's chart defaults, is too few", () => {
        const messages = run(istiodAvailability, [valuesConfigMap({ revision: "1-30-3" })]).map((violation) => violation.message);
        expect(messages).toEqual([expect.stringContaining("runs as few as 1 pod (autoscaleMin 1)")]);
    });

    test("reads the values from an istiod Chart that shows its properties", () => {
        const chart = resource("kubernetes:helm.sh/v4:Chart", "mesh-istiod-1-30-3", {
            chart: "oci://ghcr.io/istio/release/charts/istiod",
            name: "istiod-1-30-3",
            values: { ...HA_VALUES, autoscaleMin: 1 },
        });
        expect(run(istiodAvailability, [chart])).toEqual([
            { message: expect.stringMatching(/^istiod chart istiod-1-30-3 runs as few as 1 pod \(autoscaleMin 1\)/), urn: chart.urn },
        ]);
    });

    test("an istiod whose values cannot be read fails instead of passing unchecked", () => {
        const deployment = istiodDeployment();
        expect(run(istiodAvailability, [deployment])).toEqual([
            { message: expect.stringMatching(/^cannot check istiod istio-system\/istiod-1-30-3: the values its chart was rendered with/), urn: deployment.urn },
        ]);
    });
});

describe("registry-only-needs-egress-gateway", () => {
    const registryOnly = { ...HA_VALUES, meshConfig: { ...HA_VALUES.meshConfig, outboundTrafficPolicy: { mode: "REGISTRY_ONLY" } } };

    test("ALLOW_ANY needs no egress gateway", () => {
        expect(run(registryOnlyNeedsEgressGateway, [valuesConfigMap(HA_VALUES)])).toEqual([]);
    });

    test("REGISTRY_ONLY passes with an egress gateway", () => {
        expect(run(registryOnlyNeedsEgressGateway, [valuesConfigMap(registryOnly), gatewayDeployment("istio-egressgateway", "istio-egress")])).toEqual([]);
    });

    test("a gateway the mesh routes external traffic to is an egress gateway, whatever its name", () => {
        const exit = gatewayDeployment("exit", "edge");
        const route = resource("kubernetes:networking.istio.io/v1:VirtualService", "mesh-egress-virtualservice-api", {
            spec: { tls: [{ match: [{ gateways: ["mesh"] }], route: [{ destination: { host: "exit.edge.svc.cluster.local" } }] }] },
        });
        expect(run(registryOnlyNeedsEgressGateway, [valuesConfigMap(registryOnly), exit, route])).toEqual([]);
        expect(run(registryOnlyNeedsEgressGateway, [valuesConfigMap(registryOnly), exit])).toHaveLength(1);
    });

    test("REGISTRY_ONLY with only an ingress gateway is reported on istiod's values", () => {
        const configMap = valuesConfigMap(registryOnly);
        expect(run(registryOnlyNeedsEgressGateway, [configMap, gatewayDeployment("istio-ingressgateway", "istio-ingress")])).toEqual([
            {
                message:
                    "istiod revision 1-30-3 (values in ConfigMap istio-system/values-1-30-3) sets outboundTrafficPolicy REGISTRY_ONLY, " +
                    "and the stack has no egress gateway: no external host can be reached. Fix: add a gateway with kind: egress " +
                    "to mesh.gateways (and the hosts to mesh.egress.allowedHosts), or set mesh.meshConfig.outboundTrafficPolicy to ALLOW_ANY",
                urn: configMap.urn,
            },
        ]);
    });

    test("a gateway Chart named as an egress gateway counts when the engine shows its properties", () => {
        const chart = resource("kubernetes:helm.sh/v4:Chart", "mesh-gateway-istio-egressgateway", {
            chart: "gateway",
            name: "istio-egressgateway",
            values: { name: "istio-egressgateway" },
        });
        expect(run(registryOnlyNeedsEgressGateway, [valuesConfigMap(registryOnly), chart])).toEqual([]);
    });
});

describe("ca-key-strength", () => {
    test("passes ECDSA P-256 and P-384, and RSA 4096 on prod", () => {
        const keys = [
            privateKey("mesh-ca-intermediate", { algorithm: "ECDSA", ecdsaCurve: "P256" }),
            privateKey("mesh-ca-root-root", { algorithm: "ECDSA", ecdsaCurve: "P384" }),
            privateKey("rsa", { algorithm: "RSA", rsaBits: 4096 }),
        ];
        expect(run(caKeyStrength, keys)).toEqual([]);
    });

    test("RSA 2048 is too short on prod and enough elsewhere", () => {
        const prodKey = privateKey("mesh-ca-intermediate", { algorithm: "RSA", rsaBits: 2048 });
        expect(run(caKeyStrength, [prodKey])).toEqual([
            {
                message: "CA key mesh-ca-intermediate is an RSA key of 2048 bits; stack prod needs at least 3072. Fix: set mesh.pki.rsaBits to 4096",
                urn: prodKey.urn,
            },
        ]);
        expect(run(caKeyStrength, [privateKey("mesh-ca-intermediate", { algorithm: "RSA", rsaBits: 2048 }, "dev")])).toEqual([]);
        expect(run(caKeyStrength, [privateKey("k", { algorithm: "RSA", rsaBits: 1024 }, "dev")])[0].message).toBe(
            "CA key k is an RSA key of 1024 bits; stack dev needs at least 2048. Fix: set mesh.pki.rsaBits to 4096",
        );
    });

    test("P-224, also the tls provider's default curve, is never enough", () => {
        expect(run(caKeyStrength, [privateKey("a", { algorithm: "ECDSA", ecdsaCurve: "P224" }, "dev"), privateKey("b", { algorithm: "ECDSA" }, "dev")])).toEqual([
            { message: "CA key a is an ECDSA key on P224; a CA needs P256 or P384. Fix: set mesh.pki.ecdsaCurve to P256", urn: urnOf("tls:index/privateKey:PrivateKey", "a", "dev") },
            { message: "CA key b is an ECDSA key on P224; a CA needs P256 or P384. Fix: set mesh.pki.ecdsaCurve to P256", urn: urnOf("tls:index/privateKey:PrivateKey", "b", "dev") },
        ]);
    });

    test("other algorithms are reported", () => {
        expect(run(caKeyStrength, [privateKey("c", { algorithm: "ED25519" })])[0].message).toBe(
            "CA key c is a ED25519 key; Istio's plug-in CA takes RSA or ECDSA keys. Fix: set mesh.pki.keyAlgorithm to ECDSA",
        );
    });
});

describe("pinned-image-tags", () => {
    test("passes pinned tags, digests and the gateways' injected image", () => {
        const cni = resource("kubernetes:apps/v1:DaemonSet", "mesh-cni:kube-system/istio-cni-node", {
            metadata: { name: "istio-cni-node", namespace: "kube-system" },
            spec: { template: { spec: { containers: [{ name: "install-cni", image: "registry.example.com:5000/istio/install-cni@sha256:0123abcd" }] } } },
        });
        expect(run(pinnedImageTags, [valuesConfigMap(HA_VALUES), istiodDeployment(), cni, gatewayDeployment("istio-ingressgateway", "istio-ingress")])).toEqual([]);
    });

    test("reports latest and empty chart tags, naming mesh.images.tag", () => {
        const latest = valuesConfigMap({ ...HA_VALUES, global: { ...HA_VALUES.global, tag: "latest" } });
        expect(run(pinnedImageTags, [latest])).toEqual([
            {
                message:
                    "istiod revision 1-30-3 (values in ConfigMap istio-system/values-1-30-3) runs Istio's images with the tag latest, " +
                    "which moves under a running mesh. Fix: remove mesh.images.tag to run each revision's pinned version, or pin one, e.g. 1.30.3",
                urn: latest.urn,
            },
        ]);
        const cniChart = resource("kubernetes:helm.sh/v4:Chart", "mesh-cni", { chart: "cni", name: "istio-cni", values: { global: { tag: "" } } });
        expect(run(pinnedImageTags, [cniChart])[0].message).toBe(
            "cni chart istio-cni runs Istio's images with no tag (the registry serves whatever is newest). " +
                "Fix: remove mesh.images.tag to run each revision's pinned version, or pin one, e.g. 1.30.3",
        );
    });

    test("reports a workload image with latest or without a tag", () => {
        const latest = istiodDeployment("docker.io/istio/pilot:latest");
        const untagged = istiodDeployment("registry.example.com:5000/istio/pilot");
        expect(run(pinnedImageTags, [latest]).map((violation) => violation.message)).toEqual([
            "Deployment istio-system/istiod-1-30-3 (container discovery) runs the image docker.io/istio/pilot:latest with the tag latest, " +
                "which moves under a running mesh. Fix: remove mesh.images.tag to run each revision's pinned version, or pin one, e.g. 1.30.3",
        ]);
        expect(run(pinnedImageTags, [untagged])[0].message).toMatch(/runs the image registry.example.com:5000\/istio\/pilot with no tag/);
    });

    test("reads the tag of an image reference, port and digest included", () => {
        expect(tagOfImage("docker.io/istio/pilot:1.30.3")).toBe("1.30.3");
        expect(tagOfImage("registry.example.com:5000/istio/pilot")).toBeUndefined();
        expect(tagOfImage("istio/pilot@sha256:abc")).toBe("sha256:abc");
    });
});

/**
 * What the charts render for a committed stack file, in the shape the policies read: istiod's values ConfigMap (the
 * values this project passes), istiod's Deployment, the mesh-wide PeerAuthentication, the CA keys, the gateways and
 * the egress routes.
 */
function renderedStack(stack: string): StackResource[] {
    const file = fs.readFileSync(path.join(__dirname, "..", `Pulumi.${stack}.yaml`), "utf8");
    const settings: MeshSettings = parseMeshConfig(parse(file).config["istio-mesh:mesh"]);
    const revision = settings.istio.revisions[0];
    const values = JSON.parse(JSON.stringify(istiodValues(settings, revision))) as Record<string, unknown>;
    const resources = [
        valuesConfigMap(values, stack),
        resource("kubernetes:security.istio.io/v1:PeerAuthentication", "mesh-policy-mtls", {
            metadata: { name: "default", namespace: settings.namespace },
            spec: peerAuthenticationSpec(settings.mtls.mode),
        }, stack),
        privateKey("mesh-ca-root-root", { ...keySpec(settings.pki, "root") }, stack),
        privateKey("mesh-ca-intermediate", { ...keySpec(settings.pki, "intermediate") }, stack),
        ...settings.gateways.map((gateway) => gatewayDeployment(gateway.name, gateway.namespace)),
    ];
    const exit = settings.gateways.find((gateway) => gateway.name === settings.egress.gateway);
    if (exit !== undefined) {
        for (const allowed of settings.egress.allowedHosts) {
            for (const object of egressObjects({ name: exit.name, namespace: exit.namespace }, allowed)) {
                resources.push(resource(`kubernetes:${object.apiVersion}:${object.kind}`, `${object.kind}-${object.name}`, { spec: object.spec }, stack));
            }
        }
    }
    return resources;
}

function namesOfFailing(stack: string): string[] {
    const resources = renderedStack(stack);
    return policies.filter((policy) => run(policy.validateStack as StackCheck, resources).length > 0).map((policy) => policy.name);
}

describe("the committed stack files", () => {
    test("prod and staging pass every rule", () => {
        expect(namesOfFailing("prod")).toEqual([]);
        expect(namesOfFailing("staging")).toEqual([]);
    });

    test("dev breaks the production rules it relaxes on purpose (advisory there)", () => {
        expect(namesOfFailing("dev")).toEqual(["strict-mtls", "istiod-availability"]);
        expect(enforcementFor("dev")).toBe("advisory");
    });
});

describe("the pack, started from its own folder as the language host starts it", () => {
    const packDir = path.join(__dirname, "..", "policy");
    let pack: StartedPolicyPack | undefined;

    afterEach(() => {
        pack?.stop();
        pack = undefined;
    });

    test("is a policy pack of its own: PulumiPolicy.yaml and a package.json with its version and dependencies", () => {
        const manifest = JSON.parse(fs.readFileSync(path.join(packDir, "package.json"), "utf8"));
        expect(manifest.version).toMatch(/^\d+\.\d+\.\d+$/);
        expect(Object.keys(manifest.dependencies).sort()).toEqual(["@pulumi/policy", "@pulumi/pulumi"]);
        const root = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8"));
        // installed by the project's npm ci: the pack is a workspace of the project, locked in its package-lock.json
        expect(root.workspaces).toContain("policy");
        const lock = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package-lock.json"), "utf8"));
        expect(lock.packages.policy.dependencies).toEqual(manifest.dependencies);
        // the same SDK as the program, so that the pack and the program agree on the engine's protocol
        expect(manifest.dependencies["@pulumi/pulumi"]).toBe(root.devDependencies["@pulumi/pulumi"]);
        expect(parse(fs.readFileSync(path.join(packDir, "PulumiPolicy.yaml"), "utf8")).runtime).toBe("nodejs");
    });

    test("on prod it serves every rule as mandatory and reports a PERMISSIVE mesh", async () => {
        pack = await StartedPolicyPack.start(packDir, "prod");
        const info = await pack.getAnalyzerInfo();
        const manifest = JSON.parse(fs.readFileSync(path.join(packDir, "package.json"), "utf8"));
        expect(info.name).toBe("istio-mesh");
        expect(info.version).toBe(manifest.version);
        expect(info.policies.map((policy) => [policy.name, policy.enforcement])).toEqual(policies.map((policy) => [policy.name, "mandatory"]));

        const permissive = peerAuthentication("PERMISSIVE");
        const diagnostics = await pack.analyzeStack([valuesConfigMap(HA_VALUES), istiodDeployment(), permissive]);
        expect(diagnostics).toEqual([
            {
                policyName: "strict-mtls",
                message: expect.stringContaining("PeerAuthentication istio-system/default sets mutual TLS to PERMISSIVE"),
                enforcement: "mandatory",
                urn: permissive.urn,
            },
        ]);
        expect(await pack.analyzeStack(renderedStack("prod"))).toEqual([]);
    }, 180_000);

    test("on another stack the same finding is advisory", async () => {
        pack = await StartedPolicyPack.start(packDir, "staging");
        expect((await pack.getAnalyzerInfo()).policies.map((policy) => policy.enforcement)).toEqual(policies.map(() => "advisory"));
        const permissive = peerAuthentication("PERMISSIVE");
        const diagnostics = await pack.analyzeStack([valuesConfigMap(HA_VALUES), permissive]);
        expect(diagnostics.map((diagnostic) => [diagnostic.policyName, diagnostic.enforcement])).toEqual([["strict-mtls", "advisory"]]);
    }, 180_000);
});
