/**
 * The verify command's checks, on certificates made with openssl and on the answers a cluster gives.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { X509Certificate } from "crypto";
import { caChain, formatReport, injectedBy, istiodReady, validationAnswers } from "../components/verify/checks";
import { basicConstraints, certificatesIn, keyUsage } from "../components/verify/x509";
import { keyFile } from "./keyMaterial";

interface Pki {
    readonly root: string;
    readonly intermediate: string;
    readonly intermediateKey: string;
    readonly otherRoot: string;
}

/**
 * A root and an intermediate as Istio wants them, made by openssl (not by the code under test) from the shared keys
 * (test/keyMaterial.ts); made once per lifetime and path length, as tests only read them.
 */
const pkis = new Map<string, Pki>();
function makePki(intermediateDays: number, pathlen = 0): Pki {
    const key = `${intermediateDays}/${pathlen}`;
    const made = pkis.get(key) ?? signPki(intermediateDays, pathlen);
    pkis.set(key, made);
    return made;
}

function signPki(intermediateDays: number, pathlen: number): Pki {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "verify-pki-"));
    const run = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
    fs.writeFileSync(
        path.join(dir, "ext.cnf"),
        [
            "[intermediate]",
            `basicConstraints = critical, CA:TRUE, pathlen:${pathlen}`,
            "keyUsage = critical, digitalSignature, keyEncipherment, keyCertSign, cRLSign",
            "subjectAltName = DNS:istiod.istio-system.svc",
        ].join("\n"),
    );
    fs.copyFileSync(keyFile("ecdsa-p256"), path.join(dir, "root.key"));
    fs.copyFileSync(keyFile("ecdsa-p256-other"), path.join(dir, "other.key"));
    fs.copyFileSync(keyFile("ecdsa-p256-third"), path.join(dir, "ca.key"));
    for (const name of ["root", "other"]) {
        run("req", "-x509", "-key", `${name}.key`, "-out", `${name}.pem`, "-days", "3650", "-subj", `/O=Istio/CN=Root CA ${name}`);
    }
    run("req", "-new", "-key", "ca.key", "-out", "ca.csr", "-subj", "/O=Istio/CN=Intermediate CA/L=Kubernetes");
    run("x509", "-req", "-in", "ca.csr", "-CA", "root.pem", "-CAkey", "root.key", "-CAcreateserial", "-out", "ca.pem", "-days", String(intermediateDays), "-extfile", "ext.cnf", "-extensions", "intermediate");
    const read = (file: string) => fs.readFileSync(path.join(dir, file), "utf8");
    return { root: read("root.pem"), intermediate: read("ca.pem"), intermediateKey: read("ca.key"), otherRoot: read("other.pem") };
}

function files(pki: Pki, root = pki.root): Record<string, string> {
    return { "ca-cert.pem": pki.intermediate, "ca-key.pem": pki.intermediateKey, "root-cert.pem": root, "cert-chain.pem": pki.intermediate + pki.root };
}

const now = new Date();

describe("x509 extensions", () => {
    test("basicConstraints and keyUsage with their criticality", () => {
        const pki = makePki(365);
        const [intermediate] = certificatesIn(pki.intermediate);
        expect(basicConstraints(intermediate)).toEqual({ critical: true, ca: true, pathLength: 0 });
        expect(keyUsage(intermediate)).toEqual({ critical: true, usages: ["digitalSignature", "keyEncipherment", "keyCertSign", "cRLSign"] });
        expect(basicConstraints(new X509Certificate(pki.root))?.pathLength).toBeUndefined();
    });
});

describe("the CA chain check", () => {
    test("a good chain passes", () => {
        const pki = makePki(365);
        expect(caChain(files(pki), now).map((result) => [result.check, result.status])).toEqual([
            ["the intermediate is a CA for workloads only", "ok"],
            ["the intermediate chains to a trusted root", "ok"],
            ["the intermediate CA is valid (CN=Intermediate CA)", "ok"],
            ["the root CA is valid (CN=Root CA root)", "ok"],
        ]);
    });

    test("an intermediate close to expiry is a warning that points at the runbook", () => {
        const result = caChain(files(makePki(30)), now).find((entry) => entry.check.startsWith("the intermediate CA is valid"));
        expect(result?.status).toBe("warn");
        expect(result?.detail).toMatch(/^expires in (29|30) day\(s\), on .*: run the CA rotation runbook$/);
    });

    test("an intermediate signed by a root that is not trusted fails", () => {
        const pki = makePki(365);
        expect(caChain(files(pki, pki.otherRoot), now)[1]).toEqual({
            check: "the intermediate chains to a trusted root",
            status: "fail",
            detail: "no root in root-cert.pem signed ca-cert.pem",
        });
        // During a root rotation both roots are trusted and the chain holds.
        expect(caChain(files(pki, pki.otherRoot + pki.root), now)[1].status).toBe("ok");
    });

    test("an intermediate that may sign other CAs fails", () => {
        expect(caChain(files(makePki(365, 1)), now)[0].status).toBe("fail");
    });

    test("no Secret is a warning, a missing file a failure", () => {
        expect(caChain(undefined, now)).toEqual([
            { check: "the plug-in CA", status: "warn", detail: "no cacerts Secret: istiod signs with its own self-signed CA" },
        ]);
        expect(caChain({ "ca-cert.pem": "x" }, now)[0].detail).toBe("cacerts lacks ca-key.pem, root-cert.pem, cert-chain.pem");
    });
});

describe("control plane and webhook checks", () => {
    test("istiod readiness", () => {
        expect(istiodReady("1-30-3", { name: "istiod-1-30-3", replicas: 2, readyReplicas: 2 }).status).toBe("ok");
        expect(istiodReady("1-30-3", { name: "istiod-1-30-3", replicas: 2, readyReplicas: 1 })).toEqual({
            check: "istiod 1-30-3 is ready",
            status: "fail",
            detail: "1/2 pods ready",
        });
        expect(istiodReady("1-30-3", undefined).detail).toBe("no Deployment istiod-1-30-3: is the revision installed?");
    });

    test("the validation webhook: rejected is good, unreachable and admitted are named", () => {
        expect(validationAnswers({ created: false, message: 'Error from server: admission webhook "validation.istio.io" denied the request: configuration is invalid: gateway must have at least one server' }).status).toBe("ok");
        expect(
            validationAnswers({
                created: false,
                message: 'Error from server (InternalError): Internal error occurred: failed calling webhook "validation.istio.io": failed to call webhook: Post "https://istiod-1-30-3.istio-system.svc:443/validate?timeout=10s": context deadline exceeded\n',
            }),
        ).toEqual({
            check: "the validation webhook answers",
            status: "fail",
            detail: 'the API server cannot reach istiod\'s webhook: Error from server (InternalError): Internal error occurred: failed calling webhook "validation.istio.io": failed to call webhook: Post "https://istiod-1-30-3.istio-system.svc:443/validate?timeout=10s": context deadline exceeded',
        });
        // Refused at once by the cluster's network (the local cluster's CONNECT proxy with no backend for istiod).
        expect(
            validationAnswers({
                created: false,
                message:
                    'Error from server (InternalError): error when creating "STDIN": Internal error occurred: failed calling webhook "validation.istio.io": failed to call webhook: Post "https://istiod-1-30-3.istio-system.svc:443/validate?timeout=10s": proxy error from /run/cluster-network.sock while dialing 10.96.187.61:443, code 503: 503 no backend registered for istio-system/istiod-1-30-3:15017',
            }).detail,
        ).toMatch(/^the API server cannot reach istiod's webhook: .*failed calling webhook "validation\.istio\.io".*no backend registered for istio-system\/istiod-1-30-3:15017$/);
        expect(validationAnswers({ created: true }).status).toBe("fail");
    });

    test("injection by the expected revision with the mode's init container", () => {
        // istio-proxy as a plain container: what istiod injects when a kubelet is older than 1.33.
        const injected = { containers: ["app", "istio-proxy"], initContainers: ["istio-init"], sidecars: [], injectionStatus: '{"revision":"1-30-3"}' };
        expect(injectedBy("shop", "1-30-3", "init", injected)).toEqual({
            check: "namespace shop is injected by 1-30-3",
            status: "ok",
            detail: "istio-proxy and istio-init added",
        });
        expect(injectedBy("shop", "1-29-6", "init", injected).detail).toBe("injected by revision 1-30-3, expected 1-29-6");
        expect(injectedBy("shop", "1-30-3", "cni", injected).detail).toBe('init containers ["istio-init"]: expected istio-validation (cni interception)');
        expect(injectedBy("shop", "1-30-3", "init", { containers: ["app"], initContainers: [], sidecars: [] })).toEqual({
            check: "namespace shop is injected by 1-30-3",
            status: "fail",
            detail: "no istio-proxy container: the namespace is not enrolled, or no injector matched it",
        });
    });

    test("istio-proxy as a native sidecar: an init container with restartPolicy Always", () => {
        // The shape istiod gives a dry-run pod on kubelets 1.33 and later: istio-init, then istio-proxy, both init
        // containers; only istio-proxy restarts always.
        const native = {
            containers: ["app"],
            initContainers: ["istio-init", "istio-proxy"],
            sidecars: ["istio-proxy"],
            injectionStatus: '{"initContainers":["istio-init","istio-proxy"],"containers":null,"revision":"1-30-3"}',
        };
        expect(injectedBy("shop", "1-30-3", "init", native)).toEqual({
            check: "namespace shop is injected by 1-30-3",
            status: "ok",
            detail: "istio-proxy (native sidecar) and istio-init added",
        });
        const cni = { ...native, initContainers: ["istio-validation", "istio-proxy"] };
        expect(injectedBy("shop", "1-30-3", "cni", cni).detail).toBe("istio-proxy (native sidecar) and istio-validation added");
        expect(injectedBy("shop", "1-30-3", "init", cni).detail).toBe('init containers ["istio-validation","istio-proxy"]: expected istio-init (init interception)');
        // An init container that never exits blocks the pod: not an injected sidecar.
        expect(injectedBy("shop", "1-30-3", "init", { ...native, sidecars: [] })).toEqual({
            check: "namespace shop is injected by 1-30-3",
            status: "fail",
            detail: "istio-proxy is an init container without restartPolicy Always: the pod would never start",
        });
    });

    test("a refused dry-run pod is named with the API server's answer", () => {
        const refused = {
            containers: [],
            initContainers: [],
            sidecars: [],
            error: 'Error from server (InternalError): Internal error occurred: failed calling webhook "namespace.sidecar-injector.istio.io": failed to call webhook\nmore',
        };
        expect(injectedBy("shop", "1-30-3", "init", refused).detail).toBe(
            'the dry-run pod was refused: Error from server (InternalError): Internal error occurred: failed calling webhook "namespace.sidecar-injector.istio.io": failed to call webhook',
        );
    });

    test("the report counts and marks each result", () => {
        const report = formatReport([
            { check: "a", status: "ok", detail: "fine" },
            { check: "b", status: "warn", detail: "soon" },
            { check: "c", status: "fail", detail: "broken" },
        ]);
        expect(report).toBe("ok    a: fine\nWARN  b: soon\nFAIL  c: broken\n\n1 ok, 1 warning(s), 1 failure(s)");
    });
});
