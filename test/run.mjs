// Runs the compiled test files (build/test/**/*.test.js, made by `tsc -p tsconfig.json`)
// with node's test runner; a compiled file whose test/**/*.test.ts is gone (a stale build) is
// skipped. Pass file paths to run only those.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return find(path);
    const source = path.replace(/^build\//, '').replace(/\.js$/, '.ts');
    return entry.name.endsWith('.test.js') && existsSync(source) ? [path] : [];
  });
}

const only = process.argv.slice(2).map((file) =>
  file.replace(/^test\//, 'build/test/').replace(/\.ts$/, '.js'),
);
const files = only.length > 0 ? only : find('build/test').sort();
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', '--test-concurrency=3', ...files], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
