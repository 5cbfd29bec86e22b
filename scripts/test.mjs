// Runs the test suites with node's test runner: `node scripts/test.mjs [unit|integration|e2e ...]`.
// With no argument it runs all of them, the end-to-end suite in a real VS Code included.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setUpEndToEnd } from './e2eSetup.mjs';

const root = new URL('..', import.meta.url).pathname;
const all = ['unit', 'integration', 'e2e'];
const wanted = process.argv.slice(2).filter((a) => all.includes(a));
const suites = wanted.length ? wanted : all;

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function findTests(dir) {
  const out = [];
  let names = [];
  try { names = readdirSync(join(root, dir)); } catch { return out; }
  for (const name of names) {
    const p = join(dir, name);
    if (statSync(join(root, p)).isDirectory()) out.push(...findTests(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out.sort();
}

if (run(process.execPath, ['scripts/build.mjs', '--tests']) !== 0) process.exit(1);

if (suites.includes('e2e') && findTests('out/test/e2e').length && !setUpEndToEnd()) {
  console.error('e2e setup failed: see the lines above');
  process.exit(1);
}

const files = suites.flatMap((suite) => findTests(`out/test/${suite}`));
if (!files.length) {
  console.error('no test files found');
  process.exit(1);
}
console.log(`running ${files.length} test files: ${suites.join(', ')}`);
// One file at a time: the suites start real processes and check the machine's process table.
// One runner invocation so the closing summary counts every suite.
const status = run(process.execPath, [
  '--test', '--test-concurrency=1', '--test-reporter=spec', '--test-timeout=900000', ...files,
]);
process.exit(status);
