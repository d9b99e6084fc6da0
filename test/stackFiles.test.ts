/**
 * Every committed stack file holds a configuration that validates.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { parseMeshConfig } from "../components/config/load";

const projectRoot = path.join(__dirname, "..");
const stackFiles = fs.readdirSync(projectRoot).filter((file) => /^Pulumi\.[a-z0-9-]+\.yaml$/.test(file));

function meshConfigOf(file: string): unknown {
    const document = parse(fs.readFileSync(path.join(projectRoot, file), "utf8")) as { config?: Record<string, unknown> };
    return document.config?.["istio-mesh:mesh"];
}

describe("stack files", () => {
    test("there is at least the dev stack", () => {
        expect(stackFiles).toContain("Pulumi.dev.yaml");
    });

    test.each(stackFiles)("%s validates and pins its Istio version (or the versions of its revisions, in a canary)", (file) => {
        const raw = meshConfigOf(file) as { istio?: { version?: unknown; revisions?: { version?: unknown }[] } };
        const pinned = raw?.istio?.revisions?.map((revision) => revision.version) ?? [raw?.istio?.version];
        expect(pinned.length).toBeGreaterThan(0);
        expect(pinned.every((version) => typeof version === "string")).toBe(true);
        const settings = parseMeshConfig(raw);
        expect(settings.istio.revisions.map((revision) => revision.version.text)).toEqual(pinned);
    });
});

describe("runtime", () => {
    test("runs on a Node release that @pulumi/pulumi supports (22 or later)", () => {
        const required = JSON.parse(fs.readFileSync(require.resolve("@pulumi/pulumi/package.json"), "utf8")).engines.node as string;
        const minimumMajor = Number(/^>=(\d+)/.exec(required)?.[1]);
        expect(minimumMajor).toBeGreaterThanOrEqual(22);
        expect(Number(process.versions.node.split(".")[0])).toBeGreaterThanOrEqual(minimumMajor);
    });
});
