/** Unit tests run against Pulumi's mock runtime; see test/harness.ts. */
module.exports = {
  preset: "ts-jest",
  testEnvironment: "node",
  // Jest's 5 s default fails tests that transpile the whole program on a loaded machine; tests never time work.
  testTimeout: 120000,
  reporters: ["default", "<rootDir>/test/summaryReporter.js"],
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "/test/e2e/"],
  // A test's first use of the mock runtime loads the Pulumi SDK; on a loaded 2-core machine that alone passes jest's
  // 5 s default. The tests assert results, never durations.
  testTimeout: 120000,
  transform: {
    // Type-checking runs once in `npm test` (tsc --noEmit); ts-jest only transpiles.
    "^.+\\.ts$": ["ts-jest", { diagnostics: false }],
  },
};
