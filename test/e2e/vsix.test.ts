// The packaged VSIX carries what the helper needs at run time: the bundles, the media, and a loadable better-sqlite3.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { node24, repoRoot } from './support/codeServer';

let dir: string;
let ext: string;
let files: string[];

function walk(d: string): string[] {
  return readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : [join(d, n)]));
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'mcp-warden-vsix-test-'));
  const vsix = join(dir, 'warden.vsix');
  const r = spawnSync(node24, [join(repoRoot, 'scripts', 'package.mjs'), '--out', vsix, '--no-verify'], { cwd: repoRoot, encoding: 'utf8' });
  assert.equal(r.status, 0, `packaging failed:\n${r.stdout}\n${r.stderr}`);
  const unzip = spawnSync('python3', ['-m', 'zipfile', '-e', vsix, join(dir, 'x')], { encoding: 'utf8' });
  assert.equal(unzip.status, 0, unzip.stderr);
  ext = join(dir, 'x', 'extension');
  files = walk(ext).map((f) => relative(ext, f));
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the VSIX holds the three bundles, the media and better-sqlite3 with its linux-x64 binary, and no source maps', () => {
  for (const f of ['package.json', 'dist/extension.js', 'dist/cli.js', 'dist/cli-main.js', 'media/graph.js', 'node_modules/better-sqlite3/package.json',
    'node_modules/better-sqlite3/lib/index.js', 'node_modules/better-sqlite3/prebuilds/linux-x64.node']) {
    assert.ok(files.includes(f), `${f} is not in the VSIX`);
  }
  assert.deepEqual(files.filter((f) => f.endsWith('.map')), []);
  // Everything else is bundled: the only package shipped unbundled is better-sqlite3.
  const packages = new Set(files.filter((f) => f.startsWith('node_modules/')).map((f) => f.split('/')[1]));
  assert.deepEqual([...packages], ['better-sqlite3']);
  assert.ok(!files.some((f) => f.startsWith('src/') || f.startsWith('test/')), 'sources or tests leaked into the VSIX');
});

test('better-sqlite3 from the unpacked VSIX opens a database file under Node 24, resolved from dist/cli-main.js (the engine)', () => {
  const dbPath = join(dir, 'probe.db');
  const probe = `
    const { createRequire } = require('node:module');
    const req = createRequire(${JSON.stringify(join(ext, 'dist', 'cli-main.js'))});
    const where = req.resolve('better-sqlite3');
    if (!where.startsWith(${JSON.stringify(ext)})) throw new Error('resolved outside the VSIX: ' + where);
    const Database = req('better-sqlite3');
    const db = new Database(${JSON.stringify(dbPath)});
    db.exec('create table t (x integer)');
    db.prepare('insert into t values (?)').run(41);
    const row = db.prepare('select x + 1 as y from t').get();
    db.close();
    process.stdout.write(String(row.y));
  `;
  const r = spawnSync(node24, ['-e', probe], { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '42');
  assert.ok(existsSync(dbPath));
});
