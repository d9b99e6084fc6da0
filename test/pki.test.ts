/**
 * The PKI: exact inputs of every tls resource, the cacerts Secret, secrecy, ordering, shared roots, config errors.
 */
import * as pulumi from "@pulumi/pulumi";
import { configuredRootIssues } from "../components/config/load";
import { Mesh } from "../components/mesh";
import { argsWith, configProblems, configWith, settingsWith } from "./fixtures";
import { fakePem, pemName, unwrap, useMocks } from "./harness";

const ROOT_FROM_STACK = fakePem("CERTIFICATE", "shared root");
const ROOT_KEY_FROM_STACK = fakePem("PRIVATE KEY", "shared root key");

const mocks = useMocks({
    // The root's stack, as the program reads it (the engine's readStackOutputs, served by the harness).
    stacks: { "acme/mesh-root/prod": { rootCertificatePem: ROOT_FROM_STACK, rootPrivateKeyPem: ROOT_KEY_FROM_STACK } },
});
beforeEach(() => mocks.reset());

const TLS = {
    key: "tls:index/privateKey:PrivateKey",
    root: "tls:index/selfSignedCert:SelfSignedCert",
    request: "tls:index/certRequest:CertRequest",
    intermediate: "pulumi-nodejs:dynamic/pki:IntermediateCertificate",
};

async function mesh(patch: Record<string, unknown> = {}, configuredRoots?: Record<string, { certificatePem: string; privateKeyPem: string }>) {
    const component = new Mesh(
        "mesh",
        { ...argsWith(patch), rootCertificates: configuredRoots && pulumi.secret(configuredRoots) },
        { transformations: [mocks.recordDependencies] },
    );
    await mocks.settled();
    return component;
}

function secretData(): Promise<Record<string, string>> {
    return unwrap(mocks.named("mesh-cacerts").inputs.stringData as Record<string, string>);
}

describe("generated root and intermediate", () => {
    test("keys: ECDSA P-384 for the root, the configured P-256 for the intermediate", async () => {
        await mesh();
        expect(mocks.ofType(TLS.key).map((key) => [key.name, key.inputs])).toEqual([
            ["mesh-ca-root-root", { algorithm: "ECDSA", ecdsaCurve: "P384" }],
            ["mesh-ca-intermediate", { algorithm: "ECDSA", ecdsaCurve: "P256" }],
        ]);
    });

    test("RSA keys take the configured size for both", async () => {
        await mesh({ pki: { keyAlgorithm: "RSA", rsaBits: 3072 } });
        expect(mocks.ofType(TLS.key).map((key) => key.inputs)).toEqual([
            { algorithm: "RSA", rsaBits: 3072 },
            { algorithm: "RSA", rsaBits: 3072 },
        ]);
    });

    test("the root: self-signed CA, cert and CRL signing, ten years, never renewed by an up", async () => {
        await mesh();
        const root = mocks.ofType(TLS.root)[0].inputs;
        expect(root).toEqual(
            expect.objectContaining({
                subject: { organization: "Istio", commonName: "Root CA root" },
                isCaCertificate: true,
                allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
                validityPeriodHours: 87600,
                earlyRenewalHours: 0,
                setSubjectKeyId: true,
            }),
        );
        expect(pemName(root.privateKeyPem as string)).toBe("key mesh-ca-root-root");
        expect(mocks.ofType(TLS.root)[0].secretInputs).toEqual(["privateKeyPem"]);
    });

    test("the intermediate's request: the cluster's name in the subject, istiod's service as DNS SAN", async () => {
        await mesh({ namespace: "mesh-system", multiCluster: { clusterName: "prod-eu-1" } });
        const request = mocks.ofType(TLS.request)[0].inputs;
        expect(request.subject).toEqual({ organization: "Istio", commonName: "Intermediate CA", locality: "prod-eu-1" });
        expect(request.dnsNames).toEqual(["istiod.mesh-system.svc"]);
    });

    test("the intermediate: signed by the root from its request, for istiod's service, one year, renewed 30 days before expiry", async () => {
        await mesh();
        const intermediate = mocks.ofType(TLS.intermediate)[0];
        const { __provider: provider, ...inputs } = intermediate.inputs;
        expect(inputs).toEqual({
            certRequestPem: fakePem("CERTIFICATE REQUEST", "request mesh-ca-intermediate"),
            caCertPem: fakePem("CERTIFICATE", "certificate mesh-ca-root-root"),
            caPrivateKeyPem: fakePem("PRIVATE KEY", "key mesh-ca-root-root"),
            dnsNames: ["istiod.istio-system.svc"],
            validityPeriodHours: 8760,
            earlyRenewalHours: 720,
        });
        // The signer's code travels with the resource (Pulumi's dynamic provider), and the CA key only as a secret.
        expect(typeof provider).toBe("string");
        expect(intermediate.secretInputs).toEqual(["caPrivateKeyPem"]);
    });

    test("validity and renewal windows are configurable", async () => {
        await mesh({ pki: { rootValidityDays: 7300, intermediateValidityDays: 90, intermediateRenewBeforeDays: 14 } });
        expect(mocks.ofType(TLS.root)[0].inputs.validityPeriodHours).toBe(7300 * 24);
        expect(mocks.ofType(TLS.intermediate)[0].inputs).toMatchObject({ validityPeriodHours: 90 * 24, earlyRenewalHours: 14 * 24 });
    });
});

describe("the cacerts Secret", () => {
    test("holds exactly the four files istiod reads; the chain is the intermediate, then the root", async () => {
        await mesh();
        const data = await secretData();
        expect(Object.keys(data).sort()).toEqual(["ca-cert.pem", "ca-key.pem", "cert-chain.pem", "root-cert.pem"]);
        expect(pemName(data["ca-cert.pem"])).toBe("certificate mesh-ca-intermediate");
        expect(pemName(data["ca-key.pem"])).toBe("key mesh-ca-intermediate");
        expect(data["root-cert.pem"]).toBe(fakePem("CERTIFICATE", "certificate mesh-ca-root-root"));
        expect(data["cert-chain.pem"]).toBe(
            fakePem("CERTIFICATE", "certificate mesh-ca-intermediate") + fakePem("CERTIFICATE", "certificate mesh-ca-root-root"),
        );
    });

    test("is created in the Istio namespace before istiod, which also waits for the CRDs", async () => {
        await mesh({ namespace: "mesh-system" });
        expect(mocks.named("mesh-cacerts").inputs.metadata).toEqual({
            name: "cacerts",
            namespace: "mesh-system",
            labels: { "app.kubernetes.io/part-of": "istio" },
        });
        expect(await mocks.dependenciesOf("mesh-istiod-1-30-3")).toEqual(["mesh-base", "mesh-cacerts"]);
    });

    test("without the plug-in CA there is no Secret and no tls resource: istiod signs with its own", async () => {
        await mesh({ pki: { enabled: false } });
        expect(mocks.resources.filter((resource) => resource.type.startsWith("tls:") || resource.name === "mesh-cacerts")).toEqual([]);
        expect(await mocks.dependenciesOf("mesh-istiod-1-30-3")).toEqual(["mesh-base"]);
    });
});

describe("secrecy", () => {
    test("every private key is a secret; the root certificate is public", async () => {
        const component = await mesh({ pki: { exportRootKey: true } });
        const ca = component.certificateAuthority!;
        expect(await pulumi.isSecret(ca.pluginCa)).toBe(true);
        expect(await pulumi.isSecret(ca.rootPrivateKeyPem!)).toBe(true);
        expect(mocks.named("mesh-cacerts").secretInputs).toEqual(["stringData"]);
        expect(await pulumi.isSecret(ca.rootCertificatePem)).toBe(false);
        expect(await pulumi.isSecret(ca.trustedRootsPem)).toBe(false);
    });
});

describe("bring your own root", () => {
    test("a root from another stack signs this cluster's own intermediate", async () => {
        await mesh({ pki: { roots: [{ name: "shared", source: "stack", stack: "acme/mesh-root/prod" }] } });
        expect(mocks.stacksRead()).toEqual(["acme/mesh-root/prod"]);
        expect(mocks.ofType("pulumi:pulumi:StackReference")).toEqual([]);
        expect(mocks.ofType(TLS.root)).toEqual([]);
        expect(mocks.ofType(TLS.intermediate)[0].inputs).toMatchObject({ caCertPem: ROOT_FROM_STACK, caPrivateKeyPem: ROOT_KEY_FROM_STACK });
        expect((await secretData())["root-cert.pem"]).toBe(ROOT_FROM_STACK);
    });

    test("a root given as secret configuration signs the intermediate", async () => {
        const offline = { certificatePem: fakePem("CERTIFICATE", "offline root"), privateKeyPem: fakePem("PRIVATE KEY", "offline key") };
        await mesh({ pki: { roots: [{ name: "offline", source: "config" }] } }, { offline });
        expect(mocks.ofType(TLS.intermediate)[0].inputs).toMatchObject({
            caCertPem: offline.certificatePem,
            caPrivateKeyPem: offline.privateKeyPem,
        });
    });

    test("during a root rotation both roots are trusted and the configured one signs", async () => {
        const component = await mesh({ pki: { roots: [{ name: "r2026" }, { name: "r2027" }], signingRoot: "r2027" } });
        const data = await secretData();
        expect(data["root-cert.pem"]).toBe(
            fakePem("CERTIFICATE", "certificate mesh-ca-root-r2026") + fakePem("CERTIFICATE", "certificate mesh-ca-root-r2027"),
        );
        expect(pemName(mocks.ofType(TLS.intermediate)[0].inputs.caCertPem as string)).toBe("certificate mesh-ca-root-r2027");
        expect(data["cert-chain.pem"].endsWith(fakePem("CERTIFICATE", "certificate mesh-ca-root-r2027"))).toBe(true);
        expect(await unwrap(component.certificateAuthority!.rootCertificatePem)).toBe(fakePem("CERTIFICATE", "certificate mesh-ca-root-r2027"));
    });

    test("multi-cluster identity reaches istiod", async () => {
        await mesh({ multiCluster: { meshId: "mesh1", clusterName: "prod-eu-1", network: "network1" } });
        const values = mocks.named("mesh-istiod-1-30-3").inputs.values as { global: Record<string, unknown> };
        expect(values.global).toMatchObject({ meshID: "mesh1", network: "network1", multiCluster: { clusterName: "prod-eu-1" } });
    });
});

describe("mutual TLS", () => {
    test("a PeerAuthentication named default in the root namespace, after the CRDs and istiod", async () => {
        await mesh({ mtls: { mode: "STRICT" } });
        expect(mocks.named("mesh-policy-mtls").inputs).toEqual({
            apiVersion: "security.istio.io/v1",
            kind: "PeerAuthentication",
            metadata: { name: "default", namespace: "istio-system" },
            spec: { mtls: { mode: "STRICT" } },
        });
        expect(await mocks.dependenciesOf("mesh-policy")).toEqual(["mesh-base", "mesh-ready"]);
    });

    test("PERMISSIVE by default", async () => {
        await mesh();
        expect((mocks.named("mesh-policy-mtls").inputs.spec as { mtls: unknown }).mtls).toEqual({ mode: "PERMISSIVE" });
    });

    test("trust domain aliases reach istiod's mesh config", async () => {
        await mesh({ meshConfig: { trustDomain: "new.example.com", trustDomainAliases: ["old.example.com"] } });
        const values = mocks.named("mesh-istiod-1-30-3").inputs.values as { meshConfig: Record<string, unknown> };
        expect(values.meshConfig).toMatchObject({ trustDomain: "new.example.com", trustDomainAliases: ["old.example.com"] });
    });
});


describe("PKI configuration errors", () => {
    test.each([
        [
            { pki: { rsaBits: 2048 } },
            'mesh.pki.rsaBits: got 2048; applies to RSA keys only. Fix: set pki.keyAlgorithm to "RSA", or remove pki.rsaBits',
        ],
        [
            { pki: { keyAlgorithm: "RSA", rsaBits: 1024 } },
            "mesh.pki.rsaBits: got 1024; allowed: one of 2048, 3072, 4096 (bits of an RSA key). Fix: e.g. 4096",
        ],
        [
            { pki: { roots: [{ name: "a" }, { name: "b" }] } },
            "mesh.pki.signingRoot: got nothing; required with several roots: the one that signs this cluster's intermediate. Fix: set pki.signingRoot to one of a, b",
        ],
        [
            { pki: { signingRoot: "next" } },
            'mesh.pki.signingRoot: got "next"; allowed: a root of pki.roots (root). Fix: name one of those',
        ],
        [
            { pki: { roots: [{ name: "shared", source: "stack" }] } },
            "mesh.pki.roots[0].stack: got nothing; required for a root taken from another stack. Fix: e.g. stack: acme/mesh-root/prod",
        ],
        [
            { pki: { intermediateValidityDays: 30, intermediateRenewBeforeDays: 30 } },
            "mesh.pki.intermediateRenewBeforeDays: got 30; allowed: fewer days than pki.intermediateValidityDays (30), or every up would re-issue it. Fix: e.g. 2",
        ],
        [
            { meshConfig: { trustDomainAliases: ["Old.Example.com"] } },
            'mesh.meshConfig.trustDomainAliases[0]: got "Old.Example.com"; allowed: a SPIFFE trust domain (lowercase letters, digits, \'.\', \'-\' and \'_\'). Fix: e.g. old.example.com',
        ],
        [
            { mtls: { mode: "DISABLE" } },
            'mesh.mtls.mode: got "DISABLE"; allowed: one of "STRICT", "PERMISSIVE". Fix: pulumi config set --path \'mesh.mtls.mode\' STRICT',
        ],
    ])("%j", (patch, message) => {
        expect(configProblems(configWith(patch))).toEqual([message]);
    });

    test("a root from secret configuration that is missing is named, and no key material is printed", () => {
        const settings = settingsWith({ pki: { roots: [{ name: "offline", source: "config" }] } });
        const given = JSON.stringify({ offline: { certificatePem: fakePem("CERTIFICATE", "x"), privateKeyPem: "not a key SECRET-MATERIAL" } });
        const issues = configuredRootIssues(settings.pki, given);
        expect(issues.map((issue) => issue.message)).toEqual([
            'root "offline" needs privateKeyPem (a PEM private key) in the secret configuration key rootCertificates.offline. ' +
                "Fix: pulumi config set --secret --path 'rootCertificates.<root>.certificatePem' < root.pem (and privateKeyPem)",
        ]);
        expect(JSON.stringify(issues)).not.toContain("SECRET-MATERIAL");
        expect(configuredRootIssues(settings.pki, undefined).length).toBe(1);
        expect(configuredRootIssues(settingsWith().pki, undefined)).toEqual([]);
    });
});
