/**
 * What each committed stack file makes of its environment: prod has what dev has not, staging has prod's shape at a
 * smaller scale, and every key that differs from dev carries a comment that says why. The promoted pins (the Istio
 * release, revisions, tags, chart source, image tag) may differ while an upgrade moves through the stages, in order
 * only: prod never ahead of staging, staging never ahead of dev.
 */
import * as fs from "fs";
import * as path from "path";
import { isMap, isScalar, Node, parse, parseDocument } from "yaml";
import { keyPath } from "../components/config/issues";
import { parseMeshConfig } from "../components/config/load";
import { MeshSettings } from "../components/config/settings";
import { forceRecordOfText } from "../scripts/promotion/forceRecord";
import { compareIstioVersions, istioVersionsOf, newestIstioVersion, orderViolations } from "../scripts/promotion/order";
import { PROMOTED_KEYS } from "../scripts/promotion/pins";
import { Stage, STAGES } from "../scripts/promotion/stages";

const MESH_KEY = "istio-mesh:mesh";

type StackTexts = Record<Stage, string>;

function committed(): StackTexts {
    const texts = {} as StackTexts;
    for (const stack of STAGES) {
        texts[stack] = fs.readFileSync(path.join(__dirname, "..", `Pulumi.${stack}.yaml`), "utf8");
    }
    return texts;
}

const COMMITTED = committed();

function text(stack: Stage): string {
    return COMMITTED[stack];
}

function meshOf(stackText: string): Record<string, unknown> {
    return parse(stackText).config[MESH_KEY];
}

function raw(stack: Stage): Record<string, unknown> {
    return meshOf(text(stack));
}

function settings(stack: Stage): MeshSettings {
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

/** The promoted keys as `differences` spells paths (istio.version, charts, images.tag). */
const PROMOTED_PATHS = PROMOTED_KEYS.map((key) => keyPath(key).replace(/^mesh\./, ""));

function isPromoted(difference: string): boolean {
    return PROMOTED_PATHS.some((promoted) => difference === promoted || difference.startsWith(`${promoted}.`));
}

/** What an environment has that another has not, promoted pins aside: those move through the stages. */
function environmentDifferences(stack: Record<string, unknown>, other: Record<string, unknown>): string[] {
    return differences(stack, other).filter((difference) => !isPromoted(difference));
}

/** Paths below the mesh key that a comment line sits right above. */
function commentedPaths(stackText: string): Set<string> {
    const commented = new Set<string>();
    const mesh = parseDocument(stackText).getIn(["config", MESH_KEY]) as Node;
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

/**
 * The rules that hold for every set of stack files, the committed ones and any change of them: the stages in order
 * (unless the later stage's file records a forced promotion), staging in prod's shape, and every difference from dev
 * explained by a comment. Returns what breaks them.
 */
function environmentProblems(texts: StackTexts): string[] {
    const meshes = Object.fromEntries(STAGES.map((stack) => [stack, meshOf(texts[stack])])) as Record<Stage, Record<string, unknown>>;
    const order = orderViolations(meshes)
        .filter((violation) => forceRecordOfText(texts[violation.later])?.to !== violation.later)
        .map((violation) => violation.message);
    const shape = environmentDifferences(meshes.staging, meshes.prod)
        .filter((difference) => !["gateways", "istiod.autoscale.max", "meshConfig.trustDomain", "multiCluster.clusterName"].includes(difference))
        .map((difference) => `staging differs from prod in ${difference}, not only in scale and identity`);
    const unexplained = (["staging", "prod"] as const).flatMap((stack) => {
        const commented = commentedPaths(texts[stack]);
        return environmentDifferences(meshes[stack], meshes.dev)
            .filter((difference) => {
                const parts = difference.split(".");
                return !parts.some((_, index) => commented.has(parts.slice(0, index + 1).join(".")));
            })
            .map((difference) => `${stack}'s ${difference} differs from dev without a comment saying why`);
    });
    return [...order, ...shape, ...unexplained];
}

/** The texts with `stack` pinned to one Istio version, the rest of its file (comments included) as it was. */
function pinned(texts: StackTexts, stack: Stage, version: string): StackTexts {
    const document = parseDocument(texts[stack]);
    document.deleteIn(["config", MESH_KEY, "istio", "revisions"]);
    document.deleteIn(["config", MESH_KEY, "istio", "tags"]);
    document.setIn(["config", MESH_KEY, "istio", "version"], document.createNode(version));
    return { ...texts, [stack]: document.toString({ lineWidth: 0 }) };
}

/** The next patch release after the newest one the committed files pin. */
function nextPatch(): string {
    const newest = STAGES.map((stack) => newestIstioVersion(raw(stack))!).reduce((a, b) => (compareIstioVersions(a, b) > 0 ? a : b));
    return `${newest.major}.${newest.minor}.${newest.patch + 1}`;
}

describe("environments", () => {
    test.each(STAGES)("%s pins its Istio release explicitly, and its file validates", (stack) => {
        const versions = istioVersionsOf(raw(stack));
        expect(versions.length).toBeGreaterThan(0);
        const parsed = parseMeshConfig(raw(stack), {}, stack);
        expect(parsed.istio.revisions.map((revision) => revision.version.text)).toEqual(versions.map((version) => version.text));
    });

    test("the committed stack files keep every environment rule: in order, staging in prod's shape, differences explained", () => {
        expect(environmentProblems(COMMITTED)).toEqual([]);
    });

    test("a version bump of dev alone (the first step of every upgrade) keeps every rule, and validates", () => {
        const bumped = pinned(COMMITTED, "dev", nextPatch());
        expect(newestIstioVersion(meshOf(bumped.dev))!.text).toBe(nextPatch());
        expect(environmentProblems(bumped)).toEqual([]);
        expect(() => parseMeshConfig(meshOf(bumped.dev), {}, "dev")).not.toThrow();
        // ...and so does its promotion to staging, while prod still runs the release before.
        expect(environmentProblems(pinned(bumped, "staging", nextPatch()))).toEqual([]);
    });

    test("a stage ahead of an earlier one breaks the order, unless its file records a forced promotion", () => {
        const stagingAhead = pinned(COMMITTED, "staging", nextPatch());
        const devNewest = newestIstioVersion(raw("dev"))!.text;
        expect(environmentProblems(stagingAhead)).toEqual([
            `staging would run Istio ${nextPatch()}, newer than anything dev runs (newest ${devNewest}): staging is never ahead of dev. Fix: promote dev's pins first`,
        ]);
        const forced = `${stagingAhead.staging}\n# Forced promotion dev -> staging on 2026-01-20 (npm run promote -- --force), past these checks:\n#   - a hotfix\n`;
        expect(environmentProblems({ ...stagingAhead, staging: forced })).toEqual([]);
    });

    test("anything but the promoted pins that differs between staging and prod is named", () => {
        const document = parseDocument(COMMITTED.staging);
        document.setIn(["config", MESH_KEY, "images", "hub"], "registry.example.com/istio");
        expect(environmentProblems({ ...COMMITTED, staging: document.toString() })).toEqual([
            "staging differs from prod in images.hub, not only in scale and identity",
            "staging's images.hub differs from dev without a comment saying why",
        ]);
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

    test("staging is at a smaller scale than prod", () => {
        expect(settings("staging").istiod.autoscale.max).toBeLessThan(settings("prod").istiod.autoscale.max);
        expect(settings("staging").gateways.map((gateway) => gateway.autoscale?.max ?? gateway.replicas)).toEqual([3, 2]);
    });
});
