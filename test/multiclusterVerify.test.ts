/**
 * verify's multi-cluster checks, on answers a cluster gives (istiod's /debug/clusterz, the remote secrets, the
 * east-west gateway's Service) and on certificates made with openssl (not by the code under test).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { X509Certificate } from "crypto";
import { eastWestGatewayAddress, remoteSecretsSynced, sharedRoot } from "../components/verify/multiClusterChecks";
import { isMultiCluster } from "../components/verify/multiClusterCluster";
import { settingsWith } from "./fixtures";
import { keyFile } from "./keyMaterial";

interface Certificates {
    readonly root: string;
    readonly otherRoot: string;
    /** Signed by root. */
    readonly intermediateA: string;
    /** Signed by root. */
    readonly intermediateB: string;
    /** Signed by otherRoot. */
    readonly intermediateC: string;
}

function makeCertificates(): Certificates {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "verify-mc-"));
    const run = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
    try {
        fs.writeFileSync(path.join(dir, "ext.cnf"), ["[intermediate]", "basicConstraints = critical, CA:TRUE, pathlen:0", "keyUsage = critical, keyCertSign, cRLSign"].join("\n"));
        fs.copyFileSync(keyFile("ecdsa-p256"), path.join(dir, "root.key"));
        fs.copyFileSync(keyFile("ecdsa-p256-other"), path.join(dir, "other.key"));
        fs.copyFileSync(keyFile("ecdsa-p256-third"), path.join(dir, "ca.key"));
        for (const name of ["root", "other"]) {
            run("req", "-x509", "-key", `${name}.key`, "-out", `${name}.pem`, "-days", "30", "-subj", `/O=Istio/CN=Root CA ${name}`);
        }
        run("req", "-new", "-key", "ca.key", "-out", "ca.csr", "-subj", "/O=Istio/CN=Intermediate CA");
        for (const [name, signer] of [["a", "root"], ["b", "root"], ["c", "other"]]) {
            run("x509", "-req", "-in", "ca.csr", "-CA", `${signer}.pem`, "-CAkey", `${signer}.key`, "-set_serial", String(name.charCodeAt(0)), "-out", `${name}.pem`, "-days", "30", "-extfile", "ext.cnf", "-extensions", "intermediate");
        }
        const read = (file: string) => fs.readFileSync(path.join(dir, file), "utf8");
        return { root: read("root.pem"), otherRoot: read("other.pem"), intermediateA: read("a.pem"), intermediateB: read("b.pem"), intermediateC: read("c.pem") };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

const certificates = makeCertificates();
const rootSubject = "O=Istio, CN=Root CA root";
const rootFingerprint = new X509Certificate(certificates.root).fingerprint256;

describe("remote secrets synced by every istiod revision", () => {
    const secret = { name: "istio-system/istio-remote-secret-cluster-b", cluster: "cluster-b" };

    test("synced by every revision", () => {
        const synced = { id: "cluster-b", secretName: secret.name, syncStatus: "synced" };
        expect(remoteSecretsSynced(["cluster-b"], [secret], [{ revision: "1-30-3", clusters: [{ id: "cluster-a", syncStatus: "synced" }, synced] }, { revision: "canary", clusters: [synced] }])).toEqual([
            { check: "cluster cluster-b is read by istiod", status: "ok", detail: "synced by 1-30-3, canary (secret istio-system/istio-remote-secret-cluster-b)" },
        ]);
    });

    test("no secret, not listed, still syncing, unreadable: each named", () => {
        expect(remoteSecretsSynced(["cluster-c"], [], [])).toEqual([
            { check: "cluster cluster-c is read by istiod", status: "fail", detail: "no remote secret for cluster-c (label istio/multiCluster=true): run an up of this stack" },
        ]);
        expect(
            remoteSecretsSynced(
                ["cluster-b"],
                [secret],
                [
                    { revision: "1-30-3", clusters: [{ id: "cluster-a", syncStatus: "synced" }] },
                    { revision: "1-31-0", clusters: [{ id: "cluster-b", syncStatus: "timeout" }] },
                    { revision: "canary", error: "error: unable to upgrade connection" },
                ],
            ),
        ).toEqual([
            {
                check: "cluster cluster-b is read by istiod",
                status: "fail",
                detail:
                    "istiod 1-30-3 does not list it (it lists: cluster-a); istiod 1-31-0: timeout (the peer's API server or its reader token is not usable from here?); " +
                    "istiod canary's /debug/clusterz cannot be read: error: unable to upgrade connection",
            },
        ]);
    });

    test("a remote secret the configuration does not list is a warning", () => {
        expect(remoteSecretsSynced([], [{ name: "istio-system/by-hand", cluster: "cluster-x" }], [])).toEqual([
            { check: "remote secret istio-system/by-hand", status: "warn", detail: "istiod reads cluster cluster-x, which multiCluster.peers does not list (applied by hand?)" },
        ]);
    });
});

describe("one root for every cluster's intermediate", () => {
    test("both intermediates signed by the root both trust", () => {
        expect(
            sharedRoot({ cluster: "cluster-a", caCertPem: certificates.intermediateA, rootCertPem: certificates.root }, [
                { cluster: "cluster-b", caCertPem: certificates.intermediateB, rootCertPem: certificates.root },
            ]),
        ).toEqual({ check: "the intermediates of cluster-a, cluster-b chain to one root", status: "ok", detail: `${rootSubject} (SHA-256 ${rootFingerprint})` });
    });

    test("a peer signed by another root, a peer that does not trust ours, a peer that cannot be read", () => {
        const result = sharedRoot({ cluster: "cluster-a", caCertPem: certificates.intermediateA, rootCertPem: certificates.root + certificates.otherRoot }, [
            { cluster: "cluster-c", caCertPem: certificates.intermediateC, rootCertPem: certificates.otherRoot },
            { cluster: "cluster-b", caCertPem: certificates.intermediateB, rootCertPem: certificates.otherRoot },
            { cluster: "cluster-d", error: "its cacerts cannot be read: Forbidden" },
        ]);
        expect(result).toEqual({
            check: "the intermediates of cluster-a, cluster-c, cluster-b, cluster-d chain to one root",
            status: "fail",
            detail:
                `cluster-c's intermediate is issued by O=Istio, CN=Root CA other, not by ${rootSubject}; ` +
                `cluster-b does not trust the root (its root-cert.pem lacks ${rootSubject}); cluster-d: its cacerts cannot be read: Forbidden`,
        });
    });

    test("this cluster's own intermediate not signed by any of its roots", () => {
        expect(sharedRoot({ cluster: "cluster-a", caCertPem: certificates.intermediateC, rootCertPem: certificates.root }, [])).toEqual({
            check: "the intermediates of cluster-a chain to one root",
            status: "fail",
            detail: "cluster-a: no root of its root-cert.pem signed its intermediate",
        });
    });
});

describe("the east-west gateway's address", () => {
    const name = "istio-eastwest/istio-eastwestgateway";

    test("a load balancer's address, or an external IP", () => {
        expect(eastWestGatewayAddress(name, { type: "LoadBalancer", loadBalancerAddresses: ["203.0.113.7"], externalIPs: [] })).toEqual({
            check: `the east-west gateway ${name} has an address`,
            status: "ok",
            detail: "203.0.113.7",
        });
        expect(eastWestGatewayAddress(name, { type: "ClusterIP", loadBalancerAddresses: [], externalIPs: ["198.51.100.1"] }).detail).toBe("198.51.100.1");
    });

    test("none: the reason is said, never a silent pass", () => {
        expect(eastWestGatewayAddress(name, { type: "LoadBalancer", loadBalancerAddresses: [], externalIPs: [] })).toEqual({
            check: `the east-west gateway ${name} has an address`,
            status: "fail",
            detail:
                "none: no load balancer has assigned one (a cluster without a load balancer implementation, such as the local cluster, never does); " +
                "workloads on other networks cannot reach this cluster's services",
        });
        expect(eastWestGatewayAddress(name, { type: "ClusterIP", loadBalancerAddresses: [], externalIPs: [] }).detail).toBe(
            "none: a ClusterIP Service has no address outside the cluster (set multiCluster.eastWestGateway.serviceType to LoadBalancer, or give it " +
                "externalIPs); workloads on other networks cannot reach this cluster's services",
        );
        expect(eastWestGatewayAddress(name, undefined)).toEqual({ check: `the east-west gateway ${name} has an address`, status: "fail", detail: `no Service ${name}: run an up of this stack` });
    });
});

test("the multi-cluster checks run for a cluster with peers or a network gateway only", () => {
    expect(isMultiCluster(settingsWith())).toBe(false);
    expect(isMultiCluster(settingsWith({ multiCluster: { clusterName: "a", network: "n" } }))).toBe(false);
    expect(isMultiCluster(settingsWith({ multiCluster: { clusterName: "a", peers: [{ name: "b", stack: "o/p/b" }] } }))).toBe(true);
    expect(isMultiCluster(settingsWith({ multiCluster: { clusterName: "a", network: "n", eastWestGateway: {} } }))).toBe(true);
});
