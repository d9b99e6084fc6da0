/**
 * One root in one place: the CA stack's configuration and its MeshCa (roots, one intermediate per listed cluster,
 * outputs without any root key), and a cluster's stack that takes its intermediate from it (pki.caStack): the
 * cacerts Secret, no root and no key of its own, the checks before anything is applied.
 */
import * as pulumi from "@pulumi/pulumi";
import { READ_STACK_OUTPUTS } from "../components/program/stackOutputs";
import { toCaSettings, validCaConfig } from "../components/config/caStack";
import { MeshConfigError } from "../components/config/issues";
import { Mesh } from "../components/mesh";
import {
    CLUSTER_INTERMEDIATE_KEYS_OUTPUT,
    CLUSTER_INTERMEDIATES_OUTPUT,
    ClusterIntermediate,
    clusterIntermediateOf,
} from "../components/pki/caStackOutputs";
import { MeshCa, MeshCaArgs } from "../components/pki/meshCa";
import { argsWith, configProblems, configWith, settingsWith } from "./fixtures";
import { fakePem, pemName, unwrap, useMocks } from "./harness";

const CA_STACK = "acme/istio-mesh/ca";
const ROOT = fakePem("CERTIFICATE", "ca root");

function exported(cluster: string, istioNamespace = "istio-system"): ClusterIntermediate {
    const certificatePem = fakePem("CERTIFICATE", `intermediate ${cluster}`);
    return {
        certificatePem,
        certChainPem: certificatePem + ROOT,
        rootCertificatePem: ROOT,
        trustedRootsPem: ROOT,
        istioNamespace,
        expiresAt: "2027-12-01T00:00:00Z",
    };
}

/** What the CA stack of the tests exports: east and west (west in its own Istio namespace). */
let caOutputs: Record<string, unknown> = {};
function caStackExports(): Record<string, unknown> {
    return {
        rootCertificatePem: ROOT,
        [CLUSTER_INTERMEDIATES_OUTPUT]: { east: exported("east"), west: exported("west", "istio-west") },
        [CLUSTER_INTERMEDIATE_KEYS_OUTPUT]: { east: fakePem("PRIVATE KEY", "key east"), west: fakePem("PRIVATE KEY", "key west") },
    };
}

const mocks = useMocks({
    calls: {
        [READ_STACK_OUTPUTS]: (args) => ({
            name: args.inputs.name,
            outputs: caOutputs,
            secretOutputNames: [CLUSTER_INTERMEDIATE_KEYS_OUTPUT],
        }),
    },
});
beforeEach(() => {
    mocks.reset();
    caOutputs = caStackExports();
});

const TLS = {
    key: "tls:index/privateKey:PrivateKey",
    root: "tls:index/selfSignedCert:SelfSignedCert",
    request: "tls:index/certRequest:CertRequest",
    intermediate: "pulumi-nodejs:dynamic/pki:IntermediateCertificate",
};

/** The messages of a CA configuration that must be rejected. */
function caProblems(raw: unknown): string[] {
    try {
        validCaConfig(raw);
    } catch (error) {
        if (error instanceof MeshConfigError) {
            return error.message.split("\n").slice(1).map((line) => line.replace(/^ {2}- /, ""));
        }
        throw error;
    }
    throw new Error("expected the CA configuration to be rejected");
}

async function meshCa(args: MeshCaArgs): Promise<MeshCa> {
    const ca = new MeshCa("ca", args);
    await mocks.settled();
    return ca;
}

describe("the CA stack's configuration", () => {
    test("defaults: one generated root; each cluster's intermediate inherits the CA's key and lifetime", () => {
        const settings = toCaSettings(validCaConfig({ clusters: [{ name: "east" }, { name: "west", istioNamespace: "istio-west", intermediateValidityDays: 90, intermediateRenewBeforeDays: 10 }] }));
        expect(settings.pki.roots).toEqual([{ name: "root", source: "generate" }]);
        expect(settings.pki.signingRoot).toBe("root");
        expect(settings.clusters.map((cluster) => [cluster.name, cluster.istioNamespace, cluster.pki.keyAlgorithm, cluster.pki.ecdsaCurve, cluster.pki.intermediateValidityDays, cluster.pki.intermediateRenewBeforeDays])).toEqual([
            ["east", "istio-system", "ECDSA", "P256", 365, 30],
            ["west", "istio-west", "ECDSA", "P256", 90, 10],
        ]);
    });

    test("a cluster may have a key of its own; the CA's keys are the others' defaults", () => {
        const settings = toCaSettings(validCaConfig({ ecdsaCurve: "P384", intermediateValidityDays: 180, clusters: [{ name: "east" }, { name: "legacy", keyAlgorithm: "RSA", rsaBits: 3072 }] }));
        expect(settings.clusters.map((cluster) => [cluster.pki.keyAlgorithm, cluster.pki.ecdsaCurve, cluster.pki.rsaBits, cluster.pki.intermediateValidityDays])).toEqual([
            ["ECDSA", "P384", 4096, 180],
            ["RSA", "P384", 3072, 180],
        ]);
    });

    test("no clusters yet: the CA holds its roots and issues nothing", () => {
        expect(toCaSettings(validCaConfig(undefined)).clusters).toEqual([]);
    });

    test.each([
        [
            { clusters: [{ name: "east" }, { name: "east" }] },
            'ca.clusters: got "east"; cluster "east" is listed twice; each cluster has one intermediate. Fix: keep one entry',
        ],
        [
            { roots: [{ name: "shared", source: "stack", stack: "acme/other/prod" }] },
            'ca.roots[0].source: got "stack"; the CA stack holds its roots itself: allowed: generate, or config (the offline root as secret configuration). Fix: remove source and stack to generate it here, or give it with source: config',
        ],
        [
            { clusters: [{ name: "east", rsaBits: 2048 }] },
            'ca.clusters[0].rsaBits: got 2048; applies to RSA keys only. Fix: set ca.clusters[0].keyAlgorithm to "RSA", or remove ca.clusters[0].rsaBits',
        ],
        [
            { intermediateValidityDays: 60, clusters: [{ name: "east", intermediateRenewBeforeDays: 60 }] },
            "ca.clusters[0].intermediateRenewBeforeDays: got 60; allowed: fewer days than ca.clusters[0].intermediateValidityDays (60), or every up would re-issue it. Fix: e.g. 5",
        ],
        [
            { roots: [{ name: "a" }, { name: "b" }] },
            "ca.signingRoot: got nothing; required with several roots: the one that signs this cluster's intermediate. Fix: set ca.signingRoot to one of a, b",
        ],
        [
            { clusters: [{ name: "East_1" }] },
            "ca.clusters[0].name: got \"East_1\"; allowed: a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit). Fix: rewrite it in that form, e.g. prod-eu-1",
        ],
        [
            { clusters: [{ name: "east", istioNamspace: "istio-east" }] },
            'ca.clusters[0].istioNamspace: got "istio-east"; unknown key "istioNamspace". Fix: did you mean istioNamespace? (ca.clusters[0].istioNamespace)',
        ],
    ])("%j", (raw, message) => {
        expect(caProblems(raw)).toEqual([message]);
    });

    test("the error names the CA stack's key and says nothing was changed", () => {
        expect(() => validCaConfig({ clusters: [{ name: "east" }, { name: "east" }] }, "ca")).toThrow(
            /^Invalid CA configuration of stack "ca" \(1 problem\); nothing was changed:\n {2}- ca\.clusters: /,
        );
    });
});

describe("MeshCa: the roots and one intermediate per listed cluster", () => {
    test("one root key and certificate; per cluster a key, a request with its name and namespace, and a certificate signed by the root", async () => {
        await meshCa({ clusters: [{ name: "east" }, { name: "west", istioNamespace: "istio-west" }] });
        expect(mocks.ofType(TLS.key).map((key) => [key.name, key.inputs])).toEqual([
            ["ca-root-root", { algorithm: "ECDSA", ecdsaCurve: "P384" }],
            ["ca-intermediate-east", { algorithm: "ECDSA", ecdsaCurve: "P256" }],
            ["ca-intermediate-west", { algorithm: "ECDSA", ecdsaCurve: "P256" }],
        ]);
        expect(mocks.ofType(TLS.root).map((root) => root.name)).toEqual(["ca-root-root"]);
        expect(mocks.ofType(TLS.request).map((request) => [request.name, request.inputs.subject, request.inputs.dnsNames])).toEqual([
            ["ca-intermediate-east", { organization: "Istio", commonName: "Intermediate CA", locality: "east" }, ["istiod.istio-system.svc"]],
            ["ca-intermediate-west", { organization: "Istio", commonName: "Intermediate CA", locality: "west" }, ["istiod.istio-west.svc"]],
        ]);
        for (const intermediate of mocks.ofType(TLS.intermediate)) {
            const { __provider: _provider, ...inputs } = intermediate.inputs;
            const cluster = intermediate.name.replace("ca-intermediate-", "");
            expect(inputs).toEqual({
                certRequestPem: fakePem("CERTIFICATE REQUEST", `request ca-intermediate-${cluster}`),
                caCertPem: fakePem("CERTIFICATE", "certificate ca-root-root"),
                caPrivateKeyPem: fakePem("PRIVATE KEY", "key ca-root-root"),
                dnsNames: [cluster === "east" ? "istiod.istio-system.svc" : "istiod.istio-west.svc"],
                validityPeriodHours: 8760,
                earlyRenewalHours: 720,
            });
            expect(intermediate.secretInputs).toEqual(["caPrivateKeyPem"]);
        }
    });

    test("adding a cluster is one entry: exactly its key, request and certificate more", async () => {
        await meshCa({ clusters: [{ name: "east" }] });
        const before = mocks.resources.map((resource) => resource.name);
        mocks.reset();
        await meshCa({ clusters: [{ name: "east" }, { name: "west" }] });
        const added = mocks.resources.map((resource) => `${resource.type} ${resource.name}`).filter((entry) => !before.includes(entry.split(" ")[1]));
        expect(added.sort()).toEqual([`${TLS.intermediate} ca-intermediate-west`, `${TLS.request} ca-intermediate-west`, `${TLS.key} ca-intermediate-west`].sort());
    });

    test("exports per cluster its intermediate, chain and roots (public) and its key (a secret), never the root's key", async () => {
        const ca = await meshCa({ clusters: [{ name: "east" }, { name: "west", istioNamespace: "istio-west" }] });
        const intermediates = await unwrap(ca.clusterIntermediates);
        const root = fakePem("CERTIFICATE", "certificate ca-root-root");
        expect(intermediates.west).toEqual({
            certificatePem: fakePem("CERTIFICATE", "certificate ca-intermediate-west"),
            certChainPem: fakePem("CERTIFICATE", "certificate ca-intermediate-west") + root,
            rootCertificatePem: root,
            trustedRootsPem: root,
            istioNamespace: "istio-west",
            expiresAt: "2027-01-01T00:00:00Z",
        });
        expect(Object.keys(intermediates).sort()).toEqual(["east", "west"]);
        expect(await unwrap(ca.clusterIntermediateKeys)).toEqual({
            east: fakePem("PRIVATE KEY", "key ca-intermediate-east"),
            west: fakePem("PRIVATE KEY", "key ca-intermediate-west"),
        });
        expect(await pulumi.isSecret(ca.clusterIntermediateKeys)).toBe(true);
        expect(await pulumi.isSecret(ca.clusterIntermediates)).toBe(false);
        expect(await pulumi.isSecret(ca.rootCertificatePem)).toBe(false);
        const everything = JSON.stringify([intermediates, await unwrap(ca.clusterIntermediateKeys), await unwrap(ca.rootCertificatePem), await unwrap(ca.trustedRootsPem)]);
        expect(everything).not.toContain(JSON.stringify(fakePem("PRIVATE KEY", "key ca-root-root")).slice(1, -1));
    });

    test("the offline root given as secret configuration signs every intermediate; its certificate stays public", async () => {
        const offline = { certificatePem: fakePem("CERTIFICATE", "offline root"), privateKeyPem: fakePem("PRIVATE KEY", "offline key") };
        const ca = await meshCa({ roots: [{ name: "offline", source: "config" }], clusters: [{ name: "east" }], rootCertificates: pulumi.secret({ offline }) });
        expect(mocks.ofType(TLS.root)).toEqual([]);
        expect(mocks.ofType(TLS.intermediate)[0].inputs).toMatchObject({ caCertPem: offline.certificatePem, caPrivateKeyPem: offline.privateKeyPem });
        expect(await pulumi.isSecret(ca.clusterIntermediates)).toBe(false);
        expect((await unwrap(ca.clusterIntermediates)).east.certChainPem.endsWith(offline.certificatePem)).toBe(true);
    });

    test("during a root rotation every cluster trusts both roots and the signing root signs", async () => {
        const ca = await meshCa({ roots: [{ name: "r2026" }, { name: "r2027" }], signingRoot: "r2027", clusters: [{ name: "east" }] });
        const east = (await unwrap(ca.clusterIntermediates)).east;
        expect(east.trustedRootsPem).toBe(fakePem("CERTIFICATE", "certificate ca-root-r2026") + fakePem("CERTIFICATE", "certificate ca-root-r2027"));
        expect(pemName(east.rootCertificatePem)).toBe("certificate ca-root-r2027");
        expect(pemName(mocks.ofType(TLS.intermediate)[0].inputs.caCertPem as string)).toBe("certificate ca-root-r2027");
    });

    test("an invalid configuration is a resource error before any child is registered", async () => {
        expect(() => new MeshCa("ca", { clusters: [{ name: "east" }, { name: "east" }] })).toThrow(/cluster "east" is listed twice/);
        await mocks.settled();
        expect(mocks.resources.filter((resource) => resource.type !== "mesh:pki:MeshCa")).toEqual([]);
    });
});

describe("a cluster's stack with pki.caStack", () => {
    async function clusterMesh(patch: Record<string, unknown> = {}) {
        const component = new Mesh(
            "mesh",
            argsWith({ pki: { caStack: CA_STACK }, multiCluster: { clusterName: "east" }, ...patch }),
            { transformations: [mocks.recordDependencies] },
        );
        await mocks.settled();
        return component;
    }

    test("cacerts holds the CA stack's intermediate for this cluster, its key, the chain and the roots", async () => {
        await clusterMesh();
        const data = await unwrap(mocks.named("mesh-cacerts").inputs.stringData as Record<string, string>);
        expect(data).toEqual({
            "ca-cert.pem": fakePem("CERTIFICATE", "intermediate east"),
            "ca-key.pem": fakePem("PRIVATE KEY", "key east"),
            "root-cert.pem": ROOT,
            "cert-chain.pem": fakePem("CERTIFICATE", "intermediate east") + ROOT,
        });
        expect(mocks.named("mesh-cacerts").secretInputs).toEqual(["stringData"]);
    });

    test("no key, root or signing of its own: one stack reference to the CA stack", async () => {
        const mesh = await clusterMesh();
        expect(mocks.resources.filter((resource) => resource.type.startsWith("tls:") || resource.type === TLS.intermediate)).toEqual([]);
        expect(mocks.stacksRead()).toEqual([CA_STACK]);
        // Read by the engine's function, not a stack reference: nothing of the CA stack's other outputs is kept in this state.
        expect(mocks.ofType("pulumi:pulumi:StackReference")).toEqual([]);
        const ca = mesh.certificateAuthority!;
        expect(ca.rootPrivateKeyPem).toBeUndefined();
        expect(await pulumi.isSecret(ca.pluginCa)).toBe(true);
        expect(await pulumi.isSecret(ca.intermediateCertificatePem)).toBe(false);
        expect(await unwrap(ca.rootCertificatePem)).toBe(ROOT);
        expect(await unwrap(ca.intermediateExpiresAt)).toBe("2027-12-01T00:00:00Z");
    });

    test("the Mesh's Kubernetes provider waits for the CA stack's check, so nothing reaches the cluster before it", async () => {
        let dependsOn: unknown;
        const mesh = new Mesh("mesh", argsWith({ pki: { caStack: CA_STACK }, multiCluster: { clusterName: "east" } }), {
            transformations: [
                (args) => {
                    if (args.name === "mesh-kubernetes") dependsOn = args.opts.dependsOn;
                    return undefined;
                },
            ],
        });
        await mocks.settled();
        // The provider waits on the check itself (it fails with the check's message: see clusterIntermediateOf's
        // tests), which passes once the CA stack was read, and names no resource to wait for.
        expect(await unwrap(dependsOn as pulumi.Output<unknown>)).toEqual([]);
        expect(await unwrap(mesh.certificateAuthority!.caStackChecked!)).toEqual([]);
        expect(mocks.stacksRead()).toEqual([CA_STACK]);
    });

    test("another cluster of the same CA stack gets its own intermediate, for its own namespace", async () => {
        await clusterMesh({ multiCluster: { clusterName: "west" }, namespace: "istio-west" });
        const data = await unwrap(mocks.named("mesh-cacerts").inputs.stringData as Record<string, string>);
        expect(pemName(data["ca-cert.pem"])).toBe("intermediate west");
        expect(pemName(data["ca-key.pem"])).toBe("key west");
    });

    test.each([
        [
            "not listed",
            { clusterName: "north", istioNamespace: "istio-system" },
            /^mesh\.multiCluster\.clusterName: got "north"; the CA stack acme\/istio-mesh\/ca issues no intermediate for it \(its ca\.clusters: east, west\)/,
        ],
        [
            "issued for another namespace",
            { clusterName: "west", istioNamespace: "istio-system" },
            /^mesh\.namespace: got "istio-system"; the CA stack acme\/istio-mesh\/ca issued the intermediate of "west" for the Istio namespace "istio-west" \(its DNS SAN is istiod\.istio-west\.svc\)\. Fix: set istioNamespace: istio-system in that cluster's entry of ca\.clusters/,
        ],
    ])("the check, before anything is applied: %s (the name, the listed clusters, the fix)", (_title, request, message) => {
        const outputs = caStackExports();
        const found = clusterIntermediateOf(outputs[CLUSTER_INTERMEDIATES_OUTPUT], outputs[CLUSTER_INTERMEDIATE_KEYS_OUTPUT], { caStack: CA_STACK, ...request });
        expect(found).toBeInstanceOf(Error);
        expect((found as Error).message).toMatch(message);
    });

    test("clusterIntermediateOf: a stack that is no CA stack, and an entry without its key, are named without key material", () => {
        expect((clusterIntermediateOf(undefined, undefined, { caStack: "acme/istio-mesh/prod", clusterName: "east", istioNamespace: "istio-system" }) as Error).message).toMatch(
            /^mesh\.pki\.caStack: stack acme\/istio-mesh\/prod exports no clusterIntermediates: it is not a CA stack/,
        );
        const outputs = caStackExports();
        const incomplete = clusterIntermediateOf(outputs[CLUSTER_INTERMEDIATES_OUTPUT], {}, { caStack: CA_STACK, clusterName: "east", istioNamespace: "istio-system" }) as Error;
        expect(incomplete.message).toMatch(/incomplete intermediate for "east" \(missing: clusterIntermediateKeys\.east\)/);
        const found = clusterIntermediateOf(outputs[CLUSTER_INTERMEDIATES_OUTPUT], outputs[CLUSTER_INTERMEDIATE_KEYS_OUTPUT], { caStack: CA_STACK, clusterName: "east", istioNamespace: "istio-system" });
        expect(found).toEqual({ intermediate: exported("east"), privateKeyPem: fakePem("PRIVATE KEY", "key east") });
    });

    test("the keys a CA stack decides conflict with pki.caStack, and the cluster must be named", () => {
        expect(
            configProblems(configWith({ pki: { caStack: CA_STACK, roots: [{ name: "r" }], keyAlgorithm: "RSA", exportRootKey: true, intermediateValidityDays: 90 } })),
        ).toEqual([
            "mesh.pki.keyAlgorithm: got \"RSA\"; conflicts with pki.caStack: the CA stack (acme/istio-mesh/ca) issues this cluster's intermediate. Fix: remove pki.keyAlgorithm and set ca.clusters[].keyAlgorithm in the CA stack",
            'mesh.pki.roots: got [{"name":"r"}]; conflicts with pki.caStack: the roots and their keys are the CA stack\'s (acme/istio-mesh/ca). Fix: remove pki.roots, or remove pki.caStack',
            "mesh.pki.intermediateValidityDays: got 90; conflicts with pki.caStack: the CA stack (acme/istio-mesh/ca) issues this cluster's intermediate. Fix: remove pki.intermediateValidityDays and set ca.clusters[].intermediateValidityDays in the CA stack",
            "mesh.pki.exportRootKey: got true; conflicts with pki.caStack: the roots and their keys are the CA stack's (acme/istio-mesh/ca). Fix: remove pki.exportRootKey, or remove pki.caStack",
            "mesh.multiCluster.clusterName: got nothing; required with pki.caStack: the name under which the CA stack (acme/istio-mesh/ca) lists this cluster in ca.clusters. Fix: pulumi config set --path 'mesh.multiCluster.clusterName' <name>",
        ]);
        expect(configProblems(configWith({ pki: { caStack: CA_STACK, enabled: false }, multiCluster: { clusterName: "east" } }))).toEqual([
            "mesh.pki.enabled: got false; conflicts with pki.caStack: the intermediate of a CA stack is a plug-in CA. Fix: remove pki.caStack, or set pki.enabled: true",
        ]);
        expect(configProblems(configWith({ pki: { caStack: "not a stack" }, multiCluster: { clusterName: "east" } }))).toEqual([
            'mesh.pki.caStack: got "not a stack"; allowed: a stack name as `pulumi stack ls` shows it (org/project/stack). Fix: e.g. acme/istio-mesh/ca',
        ]);
    });

    test("settings: no roots of its own", () => {
        const pki = settingsWith({ pki: { caStack: CA_STACK }, multiCluster: { clusterName: "east" } }).pki;
        expect([pki.caStack, pki.roots, pki.exportRootKey]).toEqual([CA_STACK, [], false]);
    });
});
