// Prints vitest's JSON report as one plain closing line, "tests: N passed, N failed, N skipped", which CI reads.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? '.vitest/results.json';
const report = JSON.parse(readFileSync(file, 'utf8'));
const label = process.argv[3] ? `${process.argv[3]}: ` : 'tests: ';
console.log(`${label}${report.numPassedTests} passed, ${report.numFailedTests} failed, ${report.numPendingTests + report.numTodoTests} skipped`);
