// Prints vitest's JSON report as one closing line, "N passed, N failed, N skipped", and lists
// the skipped tests with their reasons so a skip is never mistaken for a pass.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? '.vitest-result.json';
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (err) {
  console.error(`test-summary: cannot read ${file}: ${err.message}`);
  process.exit(1);
}
const skipped = [];
for (const suite of report.testResults ?? []) {
  for (const t of suite.assertionResults ?? []) {
    if (t.status === 'skipped' || t.status === 'pending' || t.status === 'todo') {
      skipped.push(`${suite.name.replace(process.cwd() + '/', '')} > ${t.fullName}`);
    }
  }
}
if (skipped.length > 0) {
  console.log(`skipped (${skipped.length}):`);
  for (const s of skipped) console.log(`  - ${s}`);
}
const passed = report.numPassedTests ?? 0;
// A file that fails outside any test (an import error, a failing hook) counts as one failure.
const brokenFiles = (report.testResults ?? []).filter(
  (f) => f.status === 'failed' && !(f.assertionResults ?? []).some((t) => t.status === 'failed'),
).length;
const failed = (report.numFailedTests ?? 0) + brokenFiles;
console.log(`${passed} passed, ${failed} failed, ${skipped.length} skipped`);
if (passed === 0) {
  console.error('test-summary: no test passed');
  process.exit(1);
}
