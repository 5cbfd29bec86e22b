// Runs every benchmark (out/bench/*.bench.js, built from bench/*.bench.ts) one after another, each in
// its own process so one's heap cannot skew another's; each writes bench/results/<name>.json.
import { spawnSync } from 'node:child_process';
import { readdirSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setUpEndToEnd } from '../scripts/e2eSetup.mjs';

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
// The extension bench runs a real code-server: set it up as the test command does, so a fresh machine needs nothing by hand.
if (names.some((n) => n === 'extension.bench.js' || n === 'agent.bench.js') && !setUpEndToEnd()) {
  console.error('setup for the extension bench failed: see the lines above');
  process.exit(1);
}
const resultsDir = join(root, 'bench/results');
/** Newest modification time among the results files: a bench that ends without writing one did not finish. */
const newestResultMs = () => Math.max(0, ...readdirSync(resultsDir).filter((n) => n.endsWith('.json')).map((n) => statSync(join(resultsDir, n)).mtimeMs));
let failed = 0;
for (const name of names) {
  console.log(`\n=== ${name}`);
  const before = newestResultMs();
  const r = spawnSync(process.execPath, ['--expose-gc', join(root, 'out/bench', name)], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.error(`${name} failed with status ${r.status}`);
  } else if (newestResultMs() <= before) {
    // Exit status 0 is not enough: a process whose event loop empties early also exits 0, with its figures lost.
    failed++;
    console.error(`${name} exited without writing its results file`);
  }
}
console.log(`\nbenchmarks done: ${names.length - failed} ok, ${failed} failed; results in bench/results/`);
process.exit(failed ? 1 : 0);
