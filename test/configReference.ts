/**
 * The configuration reference as the code documents it: every key of MeshConfiguration (components/config/schema.ts)
 * with the `@default` of its doc comment, read with the TypeScript compiler, and every key of the schema. The same for
 * a CA stack's configuration (CaConfiguration, components/config/caStack.ts) with `prefix` `ca.`.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { z } from "zod";
import { meshSchema } from "../components/config/schema";

export interface DocumentedKey {
    /** e.g. `gateways[].autoscale.min` */
    readonly key: string;
    /** The `@default` text of its doc comment. */
    readonly default: string;
    /** The rest of its doc comment. */
    readonly why: string;
}

const SCHEMA_FILE = path.join(__dirname, "..", "components", "config", "schema.ts");

/** Where a configuration is documented: its file, its root interface, the key prefix of its README rows. */
export interface DocumentedConfiguration {
    readonly file: string;
    readonly rootInterface: string;
    /** Prepended to every key: "" for the mesh (its rows start below `mesh`), "ca." for a CA stack. */
    readonly prefix: string;
}

const MESH_CONFIGURATION: DocumentedConfiguration = { file: SCHEMA_FILE, rootInterface: "MeshConfiguration", prefix: "" };

function tagText(tag: ts.JSDocTagInfo): string {
    return (tag.text ?? []).map((part) => part.text).join("").replace(/\s+/g, " ").trim();
}

/**
 * Where the walk's results are kept between runs, with the content digest of every file the compiler read for them:
 * a result is reused only while each of those files (the configuration's modules, TypeScript's library), the
 * compiler's package and this walk are unchanged. Under node_modules/.cache, so `npm ci` starts afresh.
 */
const CACHE_DIRECTORY = path.join(__dirname, "..", "node_modules", ".cache", "mesh-config-reference");

interface CachedWalk {
    /** Each file the compiler read, with the sha1 of its content. */
    readonly inputs: Record<string, string>;
    readonly keys: DocumentedKey[];
}

function digestOf(file: string): string | undefined {
    try {
        return createHash("sha1").update(fs.readFileSync(file)).digest("hex");
    } catch {
        return undefined;
    }
}

/**
 * Every documented key below MeshConfiguration: a key with `@default` is a row; a key without one is a section. The
 * compiler's walk takes a second or two; its result is reused while none of the files it read has changed.
 */
export function documentedKeys(documented: DocumentedConfiguration = MESH_CONFIGURATION): DocumentedKey[] {
    const cacheFile = path.join(
        CACHE_DIRECTORY,
        `${createHash("sha1").update(JSON.stringify([documented.file, documented.rootInterface, documented.prefix])).digest("hex")}.json`,
    );
    try {
        const cached = JSON.parse(fs.readFileSync(cacheFile, "utf8")) as CachedWalk;
        if (Object.entries(cached.inputs).every(([file, digest]) => digestOf(file) === digest)) {
            return cached.keys;
        }
    } catch {
        // No result kept yet, or an unreadable one: walk.
    }
    const { keys, inputs } = walkDocumentedKeys(documented);
    const walked = [...inputs, __filename, require.resolve("typescript/package.json")];
    const walk: CachedWalk = { inputs: Object.fromEntries(walked.map((file) => [file, digestOf(file) ?? ""])), keys };
    try {
        fs.mkdirSync(CACHE_DIRECTORY, { recursive: true });
        // Written beside and renamed: a test file reading it in the other worker never sees half of it.
        const partial = `${cacheFile}.${process.pid}.partial`;
        fs.writeFileSync(partial, JSON.stringify(walk));
        fs.renameSync(partial, cacheFile);
    } catch {
        // A result that cannot be kept costs time only.
    }
    return keys;
}

/** The compiler's walk of documentedKeys, and the files it read. */
function walkDocumentedKeys(documented: DocumentedConfiguration): { keys: DocumentedKey[]; inputs: string[] } {
    // Only what the schema's types need: ES5's library (Array, the primitives' types) and the modules the file imports,
    // none of @types/* and no DOM (a program's defaults load both, three times the declarations to read and bind).
    const program = ts.createProgram([documented.file], { strict: true, skipLibCheck: true, noEmit: true, types: [], lib: ["lib.es5.d.ts"] });
    const checker = program.getTypeChecker();
    const source = program.getSourceFile(documented.file)!;
    let root: ts.Type | undefined;
    ts.forEachChild(source, (node) => {
        if (ts.isInterfaceDeclaration(node) && node.name.text === documented.rootInterface) {
            root = checker.getTypeAtLocation(node);
        }
    });
    if (root === undefined) {
        throw new Error(`${documented.rootInterface} not found in ${documented.file}`);
    }
    const keys: DocumentedKey[] = [];
    const walk = (type: ts.Type, prefix: string) => {
        for (const property of checker.getPropertiesOfType(type)) {
            const key = prefix === "" ? property.name : `${prefix}.${property.name}`;
            const declaration = property.valueDeclaration ?? property.declarations?.[0];
            const declaredType = checker.getTypeOfSymbolAtLocation(property, declaration ?? source);
            let propertyType = checker.getNonNullableType(declaredType);
            const tags = property.getJsDocTags(checker);
            const documented = tags.find((tag) => tag.name === "default");
            if (documented !== undefined) {
                keys.push({ key, default: tagText(documented), why: ts.displayPartsToString(property.getDocumentationComment(checker)).replace(/\s+/g, " ").trim() });
                continue;
            }
            if (declaredType.flags & ts.TypeFlags.Unknown) {
                // A MeshConfig or ProxyConfig field passed through verbatim: documented once, by its section.
                continue;
            }
            let name = key;
            if (checker.isArrayType(propertyType)) {
                propertyType = checker.getTypeArguments(propertyType as ts.TypeReference)[0];
                name = `${key}[]`;
            }
            if (checker.getPropertiesOfType(propertyType).length === 0) {
                throw new Error(`${key}: no @default in its doc comment`);
            }
            walk(propertyType, name);
        }
    };
    walk(root, "");
    return {
        keys: keys.map((entry) => ({ ...entry, key: `${documented.prefix}${entry.key}` })),
        inputs: program.getSourceFiles().map((file) => path.resolve(file.fileName)),
    };
}

function unwrap(schema: z.ZodType): z.ZodType {
    let current = schema;
    while (current instanceof z.ZodOptional) {
        current = current.unwrap() as z.ZodType;
    }
    return current;
}

/** Every key path the schema accepts, down to the documented rows (`stopAt`); pass-through and refused keys left out. */
export function schemaKeys(stopAt: ReadonlySet<string>, schema: z.ZodType = meshSchema, prefix = ""): string[] {
    const keys: string[] = [];
    const walk = (current: z.ZodType, path: string) => {
        const inner = unwrap(current);
        if (inner instanceof z.ZodObject) {
            for (const [field, fieldSchema] of Object.entries(inner.shape as Record<string, z.ZodType>)) {
                const key = path === "" ? field : `${path}.${field}`;
                const fieldInner = unwrap(fieldSchema);
                if (fieldInner instanceof z.ZodNever || fieldInner instanceof z.ZodUnknown) {
                    continue;
                }
                if (stopAt.has(`${prefix}${key}`)) {
                    keys.push(`${prefix}${key}`);
                    continue;
                }
                walk(fieldSchema, key);
            }
            return;
        }
        if (inner instanceof z.ZodArray) {
            walk(inner.element as z.ZodType, `${path}[]`);
            return;
        }
        keys.push(`${prefix}${path}`);
    };
    walk(schema, "");
    return keys;
}

/** The README's configuration reference rows: `| \`key\` | default | why |`, from `heading` to the next heading `until`. */
export function readmeRows(readme: string, heading = "## Configuration reference", until = "\n## "): { key: string; default: string }[] {
    const start = readme.indexOf(heading);
    const end = readme.indexOf(until, start + 1);
    return readme
        .slice(start, end)
        .split("\n")
        .map((line) => /^\| `([^`]+)` \| (.*?) \| .*\|$/.exec(line))
        .filter((match): match is RegExpExecArray => match !== null)
        .map((match) => ({ key: match[1], default: match[2].replace(/\\\|/g, "|") }));
}
