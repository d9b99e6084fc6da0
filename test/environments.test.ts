/**
 * What each committed stack file makes of its environment: prod has what dev has not, staging has prod's shape at a
 * smaller scale, and every key that differs from dev carries a comment that says why.
 */
import * as fs from "fs";
import * as path from "path";
import { isMap, isScalar, Node, parse, parseDocument } from "yaml";
import { parseMeshConfig } from "../components/config/load";
import { MeshSettings } from "../components/config/settings";

const MESH_KEY = "istio-mesh:mesh";

function text(stack: string): string {
    return fs.readFileSync(path.join(__dirname, "..", `Pulumi.${stack}.yaml`), "utf8");
}

function raw(stack: string): Record<string, unknown> {
    return parse(text(stack)).config[MESH_KEY];
}

function settings(stack: string): MeshSettings {
    return parseMeshConfig(raw(stack), {}, stack);
}

function isPlain(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Paths of the values of `stack` that `other` does not have the same (lists count as one value). */
function differences(stack: Record<string, unknown>, other: unknown, prefix: string[] = []): string[] {
    return Object.entries(stack).flatMap(([key, value]) => {
        const otherValue = isPlain(other) ? other[key] : undefined;
        if (isPlain(value)) {
            return differences(value, otherValue, [...prefix, key]);
        }
        return JSON.stringify(value) === JSON.stringify(otherValue) ? [] : [[...prefix, key].join(".")];
    });
}

/** Paths below the mesh key that a comment line sits right above. */
function commentedPaths(stack: string): Set<string> {
    const commented = new Set<string>();
    const mesh = parseDocument(text(stack)).getIn(["config", MESH_KEY]) as Node;
    const walk = (node: unknown, prefix: string[]) => {
        if (!isMap(node)) {
            return;
        }
        node.items.forEach((pair, index) => {
            const key = [...prefix, String(isScalar(pair.key) ? pair.key.value : pair.key)];
            // A comment above a mapping's first key belongs to the mapping in the YAML model.
            if ((isScalar(pair.key) && pair.key.commentBefore) || (index === 0 && node.commentBefore)) {
                commented.add(key.join("."));
            }
            walk(pair.value, key);
        });
    };
    walk(mesh, []);
    return commented;
}

describe("environments", () => {
    test("every stack pins Istio 1.31.0 explicitly", () => {
        for (const stack of ["dev", "staging", "prod"]) {
            expect((raw(stack).istio as { version: string }).version).toBe("1.31.0");
        }
    });

    test("dev: one istiod, PERMISSIVE mutual TLS, the init container, access logs on, no gateways", () => {
        const dev = settings("dev");
        expect(dev.istiod.replicas).toBe(1);
        expect(dev.istiod.autoscale.enabled).toBe(false);
        expect(dev.istiod.disruptionBudget.enabled).toBe(false);
        expect(dev.mtls.mode).toBe("PERMISSIVE");
        expect(dev.interception.mode).toBe("init");
        expect(dev.meshConfig.accessLogFile).toBe("/dev/stdout");
        expect(dev.meshConfig.outboundTrafficPolicy).toBe("ALLOW_ANY");
        expect(dev.gateways).toEqual([]);
    });

    test("prod: autoscaled istiod from 2 pods with a budget, STRICT, CNI, egress lock-down, gateways, its own identity", () => {
        const prod = settings("prod");
        expect(prod.istiod.autoscale).toEqual({ enabled: true, min: 2, max: 5, targetCpuUtilization: 80 });
        expect(prod.istiod.disruptionBudget).toEqual({ enabled: true, minAvailable: 1 });
        expect(prod.mtls.mode).toBe("STRICT");
        expect(prod.interception.mode).toBe("cni");
        expect(prod.meshConfig.outboundTrafficPolicy).toBe("REGISTRY_ONLY");
        expect(prod.meshConfig.accessLogFile).toBe("");
        expect(prod.meshConfig.trustDomain).toBe("prod.mesh.example.com");
        expect(prod.multiCluster.clusterName).toBe("prod-eu-1");
        expect(prod.pki).toMatchObject({ enabled: true, keyAlgorithm: "ECDSA", ecdsaCurve: "P256" });
        expect(prod.gateways.map((gateway) => [gateway.name, gateway.kind, gateway.replicas, gateway.autoscale, gateway.disruptionBudget])).toEqual([
            ["istio-ingressgateway", "ingress", 1, { min: 2, max: 5 }, { minAvailable: 1 }],
            ["istio-egressgateway", "egress", 2, undefined, { minAvailable: 1 }],
        ]);
        expect(prod.egress).toEqual({
            gateway: "istio-egressgateway",
            allowedHosts: [
                { host: "api.stripe.com", port: 443, protocol: "HTTPS" },
                { host: "api.github.com", port: 443, protocol: "HTTPS" },
            ],
        });
    });

    test("staging has prod's shape and differs from it only in scale and identity", () => {
        const staging = raw("staging");
        const prod = raw("prod");
        expect(differences(staging, prod).sort()).toEqual([
            "gateways",
            "istiod.autoscale.max",
            "meshConfig.trustDomain",
            "multiCluster.clusterName",
        ]);
        expect(settings("staging").istiod.autoscale.max).toBeLessThan(settings("prod").istiod.autoscale.max);
        expect(settings("staging").gateways.map((gateway) => gateway.autoscale?.max ?? gateway.replicas)).toEqual([3, 2]);
    });

    test.each(["staging", "prod"])("every key of %s that differs from dev has a comment saying why", (stack) => {
        const commented = commentedPaths(stack);
        const unexplained = differences(raw(stack), raw("dev")).filter((difference) => {
            const parts = difference.split(".");
            return !parts.some((_, index) => commented.has(parts.slice(0, index + 1).join(".")));
        });
        expect(unexplained).toEqual([]);
    });
});
