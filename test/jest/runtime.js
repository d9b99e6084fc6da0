// @ts-check
/**
 * The unit tests' module runtime: jest's own, with V8's code cache for every module it compiles.
 *
 * jest evaluates every module anew in each test file's sandbox, and compiles each anew too: importing
 * `@pulumi/pulumi` alone compiles several MB of JavaScript (gRPC, protobuf, and the TypeScript compiler for its
 * function serialization), a good part of a second of CPU in every test file. Here a module is compiled as a script
 * whose code cache (with the functions V8 compiled while the file's tests ran) is kept, in the worker for the files
 * after it and on disk (node_modules/.cache/mesh-jest-code, keyed by the file's name and transformed source; V8
 * rejects a cache of another V8 version or other flags, and the module is then compiled as before). Only compiling is
 * shared: every test file still gets its own module instances, evaluated in its own sandbox. The wrapper's first line
 * is line 0, so stack traces and source maps point where jest's own compiled function would.
 */
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const vm = require("vm");
const v8 = require("v8");
const Runtime = require("jest-runtime").default;

// V8 accepts a code cache only under the flags it was made with. `@pulumi/pulumi` turns this flag on in every test
// file that loads it (its function serialization reads V8's internals); on from the worker's start, every cache is
// made and read under the same flags.
v8.setFlagsFromString("--allow-natives-syntax");

const CACHE_DIRECTORY = process.env.MESH_JEST_CODE_CACHE_DIR ?? path.join(__dirname, "..", "..", "node_modules", ".cache", "mesh-jest-code");

/**
 * @typedef {{ data: Buffer | undefined, script: vm.Script | undefined, stored: boolean }} Entry
 * @type {Map<string, Entry>} the worker's cache, by the hash of the wrapped source
 */
const entries = new Map();

/**
 * The key of each module's wrapped source, by file name, with the source it was taken of: the next test file's jest
 * hands over an equal source, and comparing the two costs a fraction of hashing it again (importing the project
 * hashes 16 MB of JavaScript in every file).
 * @type {Map<string, { wrapped: string, key: string }>}
 */
const keys = new Map();

/** @param {string} filename @param {string} wrapped */
function keyOf(filename, wrapped) {
    const known = keys.get(filename);
    if (known !== undefined && known.wrapped === wrapped) {
        return known.key;
    }
    const key = crypto.hash("sha1", `${filename}\0${wrapped}`);
    keys.set(filename, { wrapped, key });
    return key;
}

/** @param {string} key */
function cacheFile(key) {
    return path.join(CACHE_DIRECTORY, `${key}.v8`);
}

/** @param {string} key @returns {Buffer | undefined} */
function readStored(key) {
    try {
        return fs.readFileSync(cacheFile(key));
    } catch {
        return undefined;
    }
}

/** Code caches of the scripts compiled since the last test file, taken now that they ran, kept and stored. */
function collect() {
    for (const [key, entry] of entries) {
        if (entry.script === undefined) {
            continue;
        }
        entry.data = entry.script.createCachedData();
        entry.script = undefined;
        if (!entry.stored) {
            entry.stored = true;
            try {
                fs.mkdirSync(CACHE_DIRECTORY, { recursive: true });
                // Written beside and renamed: a worker reading it never sees half a cache.
                const partial = `${cacheFile(key)}.${process.pid}.partial`;
                fs.writeFileSync(partial, entry.data);
                fs.renameSync(partial, cacheFile(key));
            } catch {
                // A cache that cannot be written costs time only.
            }
        }
    }
}

class CodeCachingRuntime extends Runtime {
    /** @param {ConstructorParameters<typeof Runtime>} args */
    constructor(...args) {
        super(...args);
        /** @type {any} jest's module executor: its compile step is the one replaced. */
        const executor = /** @type {any} */ (this).executor;
        const compileAsJest = executor.compile.bind(executor);
        executor.compile = (/** @type {string} */ source, /** @type {string} */ filename) => {
            const context = executor.environment.getVmContext();
            if (context == null || executor.resolution.isCoreModule(filename)) {
                return compileAsJest(source, filename);
            }
            // The same parameters, in the same order, as the function jest compiles; the wrapper's first line is line 0,
            // so the source keeps its lines and columns (stack traces and source maps read the same).
            const wrapped = `(function (${executor.injectedModuleParameters.join(", ")}) {\n${source}\n})`;
            const key = keyOf(filename, wrapped);
            let entry = entries.get(key);
            const cachedData = entry?.data ?? readStored(key);
            let script;
            try {
                script = new vm.Script(wrapped, {
                    filename,
                    lineOffset: -1,
                    cachedData,
                    importModuleDynamically: /** @type {any} */ (
                        (/** @type {string} */ specifier, /** @type {unknown} */ _script, /** @type {unknown} */ attributes, /** @type {unknown[]} */ ...rest) =>
                            executor.dynamicImport(specifier, filename, context, attributes, rest[0])
                    ),
                });
            } catch {
                // Whatever jest makes of a source V8 cannot compile (an ES module, a syntax error), it makes here.
                return compileAsJest(source, filename);
            }
            if (entry === undefined) {
                entry = { data: undefined, script: undefined, stored: cachedData !== undefined };
                entries.set(key, entry);
            }
            if (cachedData === undefined || script.cachedDataRejected === true) {
                entry.script = script;
                entry.stored = false;
            } else if (entry.data === undefined) {
                entry.data = cachedData;
            }
            return script.runInContext(context);
        };
    }

    teardown() {
        collect();
        super.teardown();
    }
}

module.exports = CodeCachingRuntime;
