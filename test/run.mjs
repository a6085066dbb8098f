// Runs the compiled test files (build/test/**/*.test.js, made by `tsc -p tsconfig.json`)
// with node's test runner; a compiled file whose test/**/*.test.ts is gone (a stale build) is
// skipped. Pass file paths to run only those.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { copySql } from '../scripts/copy-sql.mjs';

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return find(path);
    const source = path.replace(/^build\//, '').replace(/\.js$/, '.ts');
    return entry.name.endsWith('.test.js') && existsSync(source) ? [path] : [];
  });
}

// The compiled store reads its SQL migrations from beside itself, where tsc does not put them.
copySql('build/src');

const only = process.argv.slice(2).map((file) =>
  file.replace(/^test\//, 'build/test/').replace(/\.ts$/, '.js'),
);
// End-to-end files first: they take longest, and the short ones then fill the last slots, so
// the run ends soon after its longest file instead of behind a late one.
const slow = (file) => (['build/test/e2e/', 'build/test/browser/', 'build/test/targets/docker/'].some((folder) => file.startsWith(folder)) ? 0 : 1);
const files = only.length > 0 ? only : find('build/test').sort((a, b) => slow(a) - slow(b) || a.localeCompare(b));
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', '--test-concurrency=3', ...files], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
