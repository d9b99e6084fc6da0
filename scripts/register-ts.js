/**
 * Lets Node run this project's TypeScript scripts without a build step: each .ts file is transpiled to CommonJS with
 * the project's own TypeScript compiler when it is required (types are checked by `npm test`, not here).
 *
 *   node --require ./scripts/register-ts.js scripts/promote.ts
 *
 * Node's own type stripping does not do here: the project imports its modules without extensions, as the Pulumi
 * program does, and those imports do not resolve as ES modules.
 *
 * The JavaScript of each file is kept in node_modules/.cache/mesh-register-ts (MESH_REGISTER_TS_CACHE_DIR overrides
 * it), keyed by the file's path and source, the compiler's version and the options below; the compiler itself (9 MB
 * of JavaScript to load) is loaded only when a file is not there. A run whose files are all cached starts in a
 * fraction of the time (`npm run up|preview` runs scripts/chartSources.ts this way before the engine starts).
 */
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const CACHE_DIRECTORY = process.env.MESH_REGISTER_TS_CACHE_DIR ?? path.join(__dirname, "..", "node_modules", ".cache", "mesh-register-ts");
/** The compiler options, by name (turned into the compiler's values when it is loaded). */
const OPTIONS = { module: "CommonJS", target: "ES2022", esModuleInterop: true, inlineSourceMap: true };

let typescript;
function compiler() {
    typescript ??= require("typescript");
    return typescript;
}

/** What else decides the output: the compiler's release and the options. */
const COMPILER_KEY = (() => {
    let version = "unknown";
    try {
        version = JSON.parse(fs.readFileSync(require.resolve("typescript/package.json"), "utf8")).version;
    } catch {
        // Unknown: the key still holds the options, and a compiler that cannot be found fails on the first miss.
    }
    return `${version}\0${JSON.stringify(OPTIONS)}`;
})();

function transpile(source, filename) {
    const ts = compiler();
    return ts.transpileModule(source, {
        fileName: filename,
        compilerOptions: {
            module: ts.ModuleKind[OPTIONS.module],
            target: ts.ScriptTarget[OPTIONS.target],
            esModuleInterop: OPTIONS.esModuleInterop,
            inlineSourceMap: OPTIONS.inlineSourceMap,
        },
    }).outputText;
}

require.extensions[".ts"] = (module, filename) => {
    const source = fs.readFileSync(filename, "utf8");
    const cached = path.join(CACHE_DIRECTORY, `${crypto.hash("sha1", `${COMPILER_KEY}\0${filename}\0${source}`)}.js`);
    let output;
    try {
        output = fs.readFileSync(cached, "utf8");
    } catch {
        output = transpile(source, filename);
        try {
            fs.mkdirSync(CACHE_DIRECTORY, { recursive: true });
            // Written beside and renamed: a run reading it never sees half a file.
            const partial = `${cached}.${process.pid}.partial`;
            fs.writeFileSync(partial, output);
            fs.renameSync(partial, cached);
        } catch {
            // A cache that cannot be written costs time only.
        }
    }
    module._compile(output, filename);
};
