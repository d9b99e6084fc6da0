// @ts-check
/**
 * `@pulumi/pulumi/runtime/closure/codePaths` as the unit tests load it: the same functions, the module itself (and
 * npm's libraries it brings: arborist, pacote, sigstore, tar, about 250 modules) loaded on the first call. The SDK
 * loads it with its runtime to offer `computeCodePaths` (the packages a serialized function needs), which no unit
 * test calls; jest evaluates it again in every test file. See jest.config.js.
 */
"use strict";
const path = require("path");

const REAL = path.join(__dirname, "..", "..", "..", "node_modules", "@pulumi", "pulumi", "runtime", "closure", "codePaths.js");

/** @returns {any} */
function real() {
    return require(REAL);
}

/** @param {unknown[]} args */
exports.computeCodePaths = (...args) => real().computeCodePaths(...args);
/** @param {unknown[]} args */
exports.findWorkspaceRoot = (...args) => real().findWorkspaceRoot(...args);
/** @param {unknown[]} args */
exports.packageArchivePath = (...args) => real().packageArchivePath(...args);
