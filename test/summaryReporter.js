/**
 * Prints one closing line, "Tests: N passed, N failed", as the very last line of the run (after jest's own summary,
 * hence at exit), so that any CI reads the result the same way whatever it knows of jest.
 */
class SummaryReporter {
    onRunComplete(_contexts, results) {
        const skipped = results.numPendingTests + results.numTodoTests;
        const suffix = skipped > 0 ? `, ${skipped} skipped` : "";
        const line = `Tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed${suffix}\n`;
        process.once("exit", () => process.stderr.write(line));
    }
}

module.exports = SummaryReporter;
