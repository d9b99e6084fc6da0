/**
 * The intermediate CA certificate, signed for real (keys and requests made by openssl, not by the code under test),
 * and its renewal rules.
 */
import { execFileSync } from "child_process";
import { X509Certificate } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { reissueReasons, renewalDue } from "../components/pki/intermediateCertificate";
import { signIntermediate } from "../components/pki/signing";
import { basicConstraints, keyUsage } from "../components/verify/x509";
import { KeyName, keyFile } from "./keyMaterial";

function openssl(dir: string, ...args: string[]): void {
    execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
}

/** A root and an intermediate's request, as istiod's operators make them with openssl (keys: test/keyMaterial.ts). */
function material(rootKey: KeyName, intermediateKey: KeyName) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "signing-"));
    fs.copyFileSync(keyFile(rootKey), path.join(dir, "root.key"));
    openssl(dir, "req", "-x509", "-key", "root.key", "-out", "root.pem", "-days", "3650", "-subj", "/O=Istio/CN=Root CA");
    fs.copyFileSync(keyFile(intermediateKey), path.join(dir, "ca.key"));
    openssl(dir, "req", "-new", "-key", "ca.key", "-out", "ca.csr", "-subj", "/O=Istio/CN=Intermediate CA/L=prod-eu-1");
    const read = (file: string) => fs.readFileSync(path.join(dir, file), "utf8");
    return { dir, rootPem: read("root.pem"), rootKey: read("root.key"), request: read("ca.csr") };
}

describe("signIntermediate", () => {
    test.each<[string, KeyName, KeyName]>([
        ["ECDSA P-384 root, P-256 intermediate", "ecdsa-p384", "ecdsa-p256"],
        ["RSA root and intermediate", "rsa-3072", "rsa-3072-other"],
    ])("%s: a pathlen-0 CA with Istio's key usages and SAN, chaining to the root", async (_title, rootKey, intermediateKey) => {
        const { dir, rootPem, rootKey: rootKeyPem, request } = material(rootKey, intermediateKey);
        const now = new Date("2026-11-25T08:00:00Z");
        const signed = await signIntermediate(
            { certRequestPem: request, caCertPem: rootPem, caPrivateKeyPem: rootKeyPem, validityPeriodHours: 8760, dnsNames: ["istiod.istio-system.svc"] },
            now,
        );
        const certificate = new X509Certificate(signed.certPem);
        const root = new X509Certificate(rootPem);
        expect(basicConstraints(certificate)).toEqual({ critical: true, ca: true, pathLength: 0 });
        expect(keyUsage(certificate)).toEqual({ critical: true, usages: ["digitalSignature", "keyEncipherment", "keyCertSign", "cRLSign"] });
        expect(certificate.subjectAltName).toBe("DNS:istiod.istio-system.svc");
        expect(certificate.subject).toBe("O=Istio\nCN=Intermediate CA\nL=prod-eu-1");
        expect(certificate.issuer).toBe(root.subject);
        expect(certificate.verify(root.publicKey)).toBe(true);
        expect([signed.validityStartTime, signed.validityEndTime]).toEqual(["2026-11-25T08:00:00Z", "2027-11-25T08:00:00Z"]);
        // openssl agrees: the chain verifies, with the intermediate allowed to sign leaves only.
        fs.writeFileSync(path.join(dir, "ca.pem"), signed.certPem);
        expect(execFileSync("openssl", ["verify", "-CAfile", "root.pem", "ca.pem"], { cwd: dir, encoding: "utf8" })).toBe("ca.pem: OK\n");
    });

    test("the issuer is the root's subject byte for byte (Go's verifier, istiod's, matches them so): openssl's UTF8String names", async () => {
        const { rootPem, rootKey, request } = material("ecdsa-p384", "ecdsa-p256");
        const signed = await signIntermediate({ certRequestPem: request, caCertPem: rootPem, caPrivateKeyPem: rootKey, validityPeriodHours: 1, dnsNames: [] });
        require("reflect-metadata");
        const x509 = require("@peculiar/x509") as typeof import("@peculiar/x509");
        const name = (pem: string, which: "issuerName" | "subjectName") => Buffer.from(new x509.X509Certificate(pem)[which].toArrayBuffer()).toString("hex");
        expect(name(signed.certPem, "issuerName")).toBe(name(rootPem, "subjectName"));
        // openssl writes UTF8String (0c) names; a re-encoded name would be PrintableString (13).
        expect(name(rootPem, "subjectName")).toContain(`0c05${Buffer.from("Istio").toString("hex")}`);
        expect(name(signed.certPem, "subjectName")).toBe(Buffer.from(new x509.Pkcs10CertificateRequest(request).subjectName.toArrayBuffer()).toString("hex"));
    });

    test("refuses a request that its own key did not sign", async () => {
        const { rootPem, rootKey, request } = material("ecdsa-p384", "ecdsa-p256");
        const tampered = request.replace(/[A-Za-z](?=[A-Za-z0-9+/=]*\n-----END)/, (letter) => (letter === "A" ? "B" : "A"));
        await expect(
            signIntermediate({ certRequestPem: tampered, caCertPem: rootPem, caPrivateKeyPem: rootKey, validityPeriodHours: 1, dnsNames: [] }),
        ).rejects.toThrow();
    });
});

describe("renewal", () => {
    const end = "2027-11-25T08:00:00Z";
    test("inside the window an up re-issues; before it, nothing happens", () => {
        expect(renewalDue(end, 720, new Date("2027-10-26T07:59:59Z"))).toBe(false);
        expect(renewalDue(end, 720, new Date("2027-10-26T08:00:00Z"))).toBe(true);
    });

    test("a new request, signer or lifetime re-issues; an unchanged one does not", () => {
        const olds = {
            certPem: "C",
            validityStartTime: "2026-11-25T08:00:00Z",
            validityEndTime: end,
            certRequestPem: "R",
            caCertPem: "ROOT",
            validityPeriodHours: 8760,
            earlyRenewalHours: 720,
            dnsNames: ["istiod.istio-system.svc"],
            caKeyDigest: require("crypto").createHash("sha256").update("KEY").digest("hex") as string,
        };
        const news = { certRequestPem: "R", caCertPem: "ROOT", caPrivateKeyPem: "KEY", validityPeriodHours: 8760, earlyRenewalHours: 720, dnsNames: ["istiod.istio-system.svc"] };
        const now = new Date("2027-01-01T00:00:00Z");
        expect(reissueReasons(olds, news, now)).toEqual([]);
        expect(reissueReasons(olds, { ...news, caCertPem: "NEW ROOT", caPrivateKeyPem: "NEW KEY" }, now)).toEqual(["caCertPem", "caPrivateKeyPem"]);
        expect(reissueReasons(olds, { ...news, dnsNames: ["istiod.mesh-system.svc"] }, now)).toEqual(["dnsNames"]);
        expect(reissueReasons(olds, news, new Date("2027-11-01T00:00:00Z"))).toEqual(["validityEndTime"]);
    });
});
