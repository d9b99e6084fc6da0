/**
 * The engine's floor for big ups: what its per-step checkpoints cost as the state grows, with no cluster and no
 * chart. A plain JavaScript program creates N small resources (dynamic ones: the engine's work per step is the same
 * as for a Namespace) next to an optional "ballast" resource that holds as much state as Istio's CRDs do in the
 * stack: the CRD objects of the base chart, three times (the kubernetes provider keeps inputs, live object and the
 * inputs again in the outputs). Each up is timed with its checkpoints kept, as every up of the stack is.
 *
 * Variants: no ballast; the CRDs as the stack holds them; the CRDs without their `description` texts; and the CRDs
 * with the file backend's metadata side files off (`?metadata=skip` on the backend URL: no MD5 of the whole state
 * file per write).
 */
import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { PROJECT_ROOT } from "../../../test/e2e/workspace";
import type { Context } from "../context";
import { log, required, Sample } from "../processes";
import { growthLine, Point, seconds, StepReport, table } from "../report";
import { BenchStack, stackName } from "../stack";

const FLOOR_PROGRAM = `"use strict";
const fs = require("fs");
const pulumi = require("@pulumi/pulumi");
const provider = {
    async create(inputs) {
        // The ballast's outputs hold its objects twice, as a kubernetes resource's live object and "__inputs".
        return { id: inputs.name, outs: inputs.objects === undefined ? inputs : { ...inputs, live: inputs.objects } };
    },
};
class Item extends pulumi.dynamic.Resource {
    constructor(name, props) {
        super(provider, name, props);
    }
}
const ballast = process.env.FLOOR_BALLAST;
if (ballast) {
    new Item("ballast", { name: "ballast", objects: JSON.parse(fs.readFileSync(ballast, "utf8")) });
}
for (let i = 0; i < Number(process.env.FLOOR_N); i++) {
    new Item("item-" + i, { name: "item-" + i });
}
`;

interface Variant {
    readonly label: string;
    readonly ballast?: "crds" | "slim";
    readonly backendQuery?: string;
}

const VARIANTS: readonly Variant[] = [
    { label: "no ballast" },
    { label: "CRDs as held now", ballast: "crds" },
    { label: "CRDs without descriptions", ballast: "slim" },
    { label: "CRDs, backend ?metadata=skip", ballast: "crds", backendQuery: "metadata=skip" },
];

function withoutDescriptions(value: unknown): unknown {
    if (Array.isArray(value)) {
        return value.map(withoutDescriptions);
    }
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(
            Object.entries(value)
                .filter(([key, inner]) => !(key === "description" && typeof inner === "string"))
                .map(([key, inner]) => [key, withoutDescriptions(inner)]),
        );
    }
    return value;
}

/** The base chart's CRD objects (files/crd-all.gen.yaml), as JSON files: as they are, and without descriptions. */
function ballastFiles(context: Context, dir: string): Record<"crds" | "slim", string> | undefined {
    const source = [path.join(context.chartsDir, "base", "files", "crd-all.gen.yaml"), path.join(context.chartsDir, "manifests", "charts", "base", "files", "crd-all.gen.yaml")].find(
        (candidate) => fs.existsSync(candidate),
    );
    if (source === undefined) {
        return undefined;
    }
    const crds = parseAllDocuments(fs.readFileSync(source, "utf8"))
        .map((document) => document.toJSON() as unknown)
        .filter((crd) => crd !== null);
    const files = { crds: path.join(dir, "crds.json"), slim: path.join(dir, "slim.json") };
    fs.writeFileSync(files.crds, JSON.stringify(crds));
    fs.writeFileSync(files.slim, JSON.stringify(withoutDescriptions(crds)));
    return files;
}

export async function checkpointsStep(context: Context): Promise<StepReport> {
    const dir = path.join(context.scratch, "checkpoint-floor");
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: bench-checkpoints\nruntime:\n  name: nodejs\n  options:\n    typescript: false\n");
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "bench-checkpoints", private: true, main: "index.js" }));
    fs.writeFileSync(path.join(dir, "index.js"), FLOOR_PROGRAM);
    fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(dir, "node_modules"));
    const ballast = ballastFiles(context, dir);
    const notes: string[] = [];
    if (ballast === undefined) {
        notes.push(`no base chart under ${context.chartsDir}: only the variant without ballast is measured`);
    }
    const rows: string[][] = [];
    const lines: string[] = [];
    for (const variant of VARIANTS.filter((candidate) => candidate.ballast === undefined || ballast !== undefined)) {
        const series: Point[] = [];
        for (const n of context.options.namespaces) {
            log(`checkpoint floor, ${variant.label}: ${n} resources`);
            const backendUrl = variant.backendQuery === undefined ? context.env.PULUMI_BACKEND_URL! : `${context.env.PULUMI_BACKEND_URL}?${variant.backendQuery}`;
            const env = {
                ...context.env,
                PULUMI_BACKEND_URL: backendUrl,
                FLOOR_N: String(n),
                FLOOR_BALLAST: variant.ballast === undefined ? "" : ballast![variant.ballast],
            };
            const stack = new BenchStack(stackName("checkpoints"), dir, env, context.options.pulumiArgs);
            let up: Sample | undefined;
            try {
                up = required(`up with ${n} resources (${variant.label})`, await stack.up(context.options.upLimit));
                series.push({ n, seconds: up.seconds });
                const state = stack.state();
                log(`  up: ${seconds(up.seconds)}, state ${(state.bytes / 1e6).toFixed(2)} MB`);
                rows.push([
                    variant.label,
                    String(n),
                    seconds(up.seconds),
                    seconds(up.cpuSeconds.engine),
                    seconds(up.cpuSeconds.program),
                    `${(state.bytes / 1e6).toFixed(2)} MB`,
                ]);
            } catch (error) {
                notes.push((error as Error).message.split("\n")[0]);
                rows.push([variant.label, String(n), "failed", "-", "-", "-"]);
            } finally {
                // Nothing outside the state: dropping the stack is the whole teardown.
                await stack.pulumi(["stack", "rm", "--yes", "--force"]);
            }
        }
        lines.push(growthLine(`up (${variant.label})`, "resources", series));
    }
    return {
        section: [
            "Checkpoint floor (no cluster): a plain JavaScript program with N small resources and a ballast of Istio's CRDs held " +
                "as the stack holds them; ups with checkpoints kept; engine and program CPU time; the state's size",
            table(["variant", "N", "up", "engine CPU", "program CPU", "state"], rows),
            ...lines,
            ...notes.map((note) => `note: ${note}`),
        ]
            .filter((line) => line !== "")
            .join("\n"),
        goals: [],
    };
}
