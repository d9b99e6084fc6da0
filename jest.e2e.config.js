/** The end-to-end suite: the real engine against the local cluster; see scripts/e2e.sh. */
module.exports = {
  preset: "ts-jest",
  testEnvironment: "node",
  reporters: ["default", "<rootDir>/test/summaryReporter.js"],
  roots: ["<rootDir>/test/e2e"],
  testMatch: ["**/*.e2e.test.ts"],
  // One stack at a time: the steps of a suite build on each other, and suites share the cluster.
  maxWorkers: 1,
  transform: {
    "^.+\\.ts$": ["ts-jest", { diagnostics: false }],
  },
};
