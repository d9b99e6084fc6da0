// @ts-check
/**
 * `@pulumi/pulumi/runtime/closure/serializeClosure` as a dynamic resource reaches it in the unit tests (jest.config.js
 * maps the one `require` of `@pulumi/pulumi/dynamic`): a stand-in text instead of the provider's serialized code.
 *
 * Serializing a dynamic provider walks its closure through V8's inspector and parses every function it reaches with
 * the TypeScript compiler. Under jest that is done again in each test file's sandbox (each has its own instance of
 * the provider), and it was 17 s of the suite's 40 s of CPU. The code is the same whatever a test configures: the
 * providers are constants of their modules. So the tests of the providers' code (test/providerSerialization.test.ts)
 * serialize them for real, load the text as the dynamic provider plugin does and check what it captured; every other
 * file gets this stand-in, a module that says what it is. A test file opts in to the real serializer with
 * `@jest-environment-options {"serializeDynamicProviders": true}` in its docblock (jest's Node.js environment sets
 * the options on the file's global).
 */
"use strict";
const path = require("path");

const REAL = path.join(__dirname, "..", "..", "node_modules", "@pulumi", "pulumi", "runtime", "closure", "serializeClosure.js");

/** The text a dynamic resource's `__provider` holds in the unit tests that do not serialize providers. */
const STAND_IN = "exports.handler = undefined; // a unit test's stand-in: the provider's code is not serialized here\n";

/** The environment option, set on the file's global, of a test file that opts in. */
const OPT_IN = "serializeDynamicProviders";

/**
 * @param {Function} func
 * @param {{ exportName?: string } & Record<string, unknown>} [args]
 * @returns {Promise<{ text: string, exportName: string, containsSecrets: boolean }>}
 */
exports.serializeFunction = (func, args = {}) => {
    if (/** @type {Record<string, unknown>} */ (globalThis)[OPT_IN] === true) {
        return require(REAL).serializeFunction(func, args);
    }
    return Promise.resolve({ text: STAND_IN, exportName: args.exportName ?? "handler", containsSecrets: false });
};

exports.STAND_IN = STAND_IN;
