/** Unit tests run against Pulumi's mock runtime; see test/harness.ts. */
module.exports = {
  testEnvironment: "<rootDir>/test/jest/environment.ts",
  // jest's runtime, with V8's code cache for the dependencies (see test/jest/runtime.js).
  runtime: "<rootDir>/test/jest/runtime.js",
  globalSetup: "<rootDir>/test/jest/globalSetup.ts",
  reporters: ["default", "<rootDir>/test/summaryReporter.js"],
  roots: ["<rootDir>/test", "<rootDir>/examples"],
  // The examples import the package by name; here they test its sources (the end-to-end suite, the packed tarball).
  moduleNameMapper: {
    "^pulumi-istio-mesh$": "<rootDir>/components/index.ts",
    "^pulumi-istio-mesh/(config|testing)$": "<rootDir>/components/$1/index.ts",
    // What @pulumi/pulumi loads with its runtime for function serialization, loaded when first used (test/jest/lazy).
    "^\\./closure/codePaths$": "<rootDir>/test/jest/lazy/codePaths.js",
    "^typescript$": "<rootDir>/test/jest/lazy/typescript.js",
    // A dynamic provider's code, serialized for real only by the files that test it (test/jest/providerSerialization.js).
    "^\\.\\./runtime/closure/serializeClosure$": "<rootDir>/test/jest/providerSerialization.js",
  },
  testMatch: ["**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "/test/e2e/"],
  // jest's default on 2 cores is one worker, i.e. the whole suite on one core.
  maxWorkers: "100%",
  // A timeout is there to catch a hang, never slowness: a loaded machine must pass (jest's default is 5 s).
  testTimeout: 600_000,
  transform: {
    // Type-checking runs once in `npm test` (tsc --noEmit); swc only transpiles, in a fraction of ts-jest's time
    // (which loaded the TypeScript compiler in every worker). Source maps inline, so failures point at the TypeScript.
    "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" }, sourceMaps: "inline" }],
  },
};
