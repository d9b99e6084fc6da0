// @ts-check
/**
 * The TypeScript compiler as the unit tests load it: the same module, loaded on first use. `@pulumi/pulumi` loads it
 * with its runtime (9 MB of JavaScript) for function serialization, which only the tests that register a dynamic
 * resource reach; jest evaluates it again in every test file. See jest.config.js.
 */
"use strict";
const path = require("path");

const REAL = path.join(__dirname, "..", "..", "..", "node_modules", "typescript", "lib", "typescript.js");

/** @type {any} */
let loaded;
/** @returns {any} */
function real() {
    loaded ??= require(REAL);
    return loaded;
}

module.exports = new Proxy(
    {},
    {
        get: (_target, key) => real()[key],
        has: (_target, key) => key in real(),
        ownKeys: () => Reflect.ownKeys(real()),
        // A proxy may report a property its (empty) target lacks only as configurable.
        getOwnPropertyDescriptor: (_target, key) => {
            const descriptor = Object.getOwnPropertyDescriptor(real(), key);
            return descriptor === undefined ? undefined : { ...descriptor, configurable: true };
        },
    },
);
