/**
 * Lets Node run this project's TypeScript scripts without a build step: each .ts file is transpiled to CommonJS with
 * the project's own TypeScript compiler when it is required (types are checked by `npm test`, not here).
 *
 *   node --require ./scripts/register-ts.js scripts/promote.ts
 *
 * Node's own type stripping does not do here: the project imports its modules without extensions, as the Pulumi
 * program does, and those imports do not resolve as ES modules.
 */
"use strict";
const fs = require("fs");
const ts = require("typescript");

require.extensions[".ts"] = (module, filename) => {
    const output = ts.transpileModule(fs.readFileSync(filename, "utf8"), {
        fileName: filename,
        compilerOptions: {
            module: ts.ModuleKind.CommonJS,
            target: ts.ScriptTarget.ES2022,
            esModuleInterop: true,
            inlineSourceMap: true,
        },
    });
    module._compile(output.outputText, filename);
};
