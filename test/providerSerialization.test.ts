/**
 * @jest-environment-options {"serializeDynamicProviders": true}
 *
 * The dynamic providers' code as it travels with their resources: serialized for real (every other test file gets a
 * stand-in, test/jest/providerSerialization.js), with the code its methods call, and free of the secrets the
 * resources are given.
 */
import * as pulumi from "@pulumi/pulumi";
import { IntermediateCertificate } from "../components/pki/intermediateCertificate";
import { ReadinessGate } from "../components/readiness/gate";
import { useMocks } from "./harness";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { STAND_IN } = require("./jest/providerSerialization") as { STAND_IN: string };

const mocks = useMocks();
beforeEach(() => mocks.reset());

const CA_KEY = "-----BEGIN PRIVATE KEY-----\nthe CA key, never in the provider's code\n-----END PRIVATE KEY-----\n";
const KUBECONFIG = "apiVersion: v1\nkind: Config\nusers: [{name: admin, user: {token: never-in-the-providers-code}}]\n";

/** The registered resource's serialized provider, and whether it arrived as a secret. */
async function serializedProvider(name: string): Promise<{ text: string; secret: boolean }> {
    await mocks.settled();
    const resource = mocks.named(name);
    return { text: String(resource.inputs.__provider), secret: resource.secretInputs.includes("__provider") };
}

// Loading the text back is the end-to-end suites' part: serialized under jest (its sandbox's realm, swc's module
// helpers) a closure captures objects of that realm that no plugin process can rebuild.
const cases: { resource: string; name: string; register: () => void; secrets: string[]; calls: string[] }[] = [
    {
        resource: "IntermediateCertificate",
        name: "intermediate",
        register: () =>
            new IntermediateCertificate("intermediate", {
                certRequestPem: "request",
                caCertPem: "root certificate",
                caPrivateKeyPem: pulumi.secret(CA_KEY),
                validityPeriodHours: 8760,
                earlyRenewalHours: 720,
                dnsNames: ["istiod.istio-system.svc"],
            }),
        secrets: [CA_KEY],
        calls: ["signIntermediate", "reissueReasons", "keyDigest"],
    },
    {
        resource: "ReadinessGate",
        name: "gate",
        register: () =>
            new ReadinessGate("gate", {
                istioNamespace: "istio-system",
                revisions: ["1-31-0"],
                interception: "cni",
                validation: true,
                probeNamespace: "istio-system",
                mode: "skip",
                timeoutSeconds: 300,
                istiodDigest: "digest",
                kubeconfig: KUBECONFIG,
            }),
        secrets: [KUBECONFIG],
        calls: ["waitUntilServing", "reprobeReasons"],
    },
];

describe.each(cases)("the $resource provider's code", ({ name, register, secrets, calls }) => {
    test("is serialized for real, and is no secret: it captured none", async () => {
        register();
        const provider = await serializedProvider(name);
        expect(provider.text).not.toBe(STAND_IN);
        expect(provider.secret).toBe(false);
        for (const secret of secrets) {
            expect(provider.text).not.toContain(secret);
        }
    });

    test("holds the provider's methods and the code they call", async () => {
        register();
        const { text } = await serializedProvider(name);
        for (const reached of ["create", "diff", "update", ...calls]) {
            expect(text).toMatch(new RegExp(`\\b${reached}\\b`));
        }
    });
});
