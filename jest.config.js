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
  transform: {
    // Type-checking runs once in `npm test` (tsc --noEmit); ts-jest only transpiles.
    "^.+\\.ts$": ["ts-jest", { diagnostics: false }],
  },
};
