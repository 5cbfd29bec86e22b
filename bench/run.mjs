// Runs every benchmark (out/bench/*.bench.js, built from bench/*.bench.ts) one after another, each in
// its own process so one's heap cannot skew another's; each writes bench/results/<name>.json.
import { spawnSync } from 'node:child_process';
import { readdirSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const only = process.argv.slice(2);
mkdirSync(join(root, 'bench/results'), { recursive: true });
let names = [];
try {
  names = readdirSync(join(root, 'out/bench')).filter((n) => n.endsWith('.bench.js')).sort();
} catch {
  // nothing built
}
if (only.length) names = names.filter((n) => only.some((o) => n.includes(o)));
if (!names.length) {
  console.error('no benchmarks found (expected out/bench/*.bench.js; run `npm run bench`)');
  process.exit(1);
}
let failed = 0;
for (const name of names) {
  console.log(`\n=== ${name}`);
  const r = spawnSync(process.execPath, ['--expose-gc', join(root, 'out/bench', name)], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.error(`${name} failed with status ${r.status}`);
  }
}
console.log(`\nbenchmarks done: ${names.length - failed} ok, ${failed} failed; results in bench/results/`);
process.exit(failed ? 1 : 0);
