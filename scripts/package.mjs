// Packages the extension as a VSIX that runs: stages the bundles, media and a pruned better-sqlite3, runs vsce there, then proves the VSIX loads SQLite.
// Usage: node scripts/package.mjs [--out FILE] [--target linux-x64|...|all] [--no-verify]   (run `node scripts/build.mjs` first)
//
// Why a staging dir: everything in dist/ is one esbuild bundle except better-sqlite3 (native, external). `vsce package
// --no-dependencies` in the repo would leave node_modules out, and with dependencies it would pull every runtime package
// in unbundled. Staging exactly the files the extension needs, better-sqlite3's lib/ + package.json + its prebuilt .node,
// gives a small VSIX whose helper can `require('better-sqlite3')`. better-sqlite3@13 finds its binary itself
// (lib/binding.js: build/Release, else prebuilds/<platform>-<arch>.node), so it has no runtime dependencies to carry.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const root = resolve(new URL('..', import.meta.url).pathname);

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/** VS Code's target names for the prebuilds better-sqlite3 ships. */
const PREBUILD_FOR_TARGET = {
  'linux-x64': 'linux-x64',
  'linux-arm64': 'linux-arm64',
  'alpine-x64': 'linuxmusl-x64',
  'alpine-arm64': 'linuxmusl-arm64',
  'darwin-x64': 'darwin-x64',
  'darwin-arm64': 'darwin-arm64',
  'win32-x64': 'win32-x64',
  'win32-arm64': 'win32-arm64',
};

const hostTarget = `${process.platform}-${process.arch}`;
const target = arg('--target', PREBUILD_FOR_TARGET[hostTarget] ? hostTarget : 'all');
const out = resolve(root, arg('--out', 'dist/mcp-warden.vsix'));
const verify = !process.argv.includes('--no-verify');

function fail(message) {
  console.error(`package: ${message}`);
  process.exit(1);
}

if (target !== 'all' && !PREBUILD_FOR_TARGET[target]) fail(`unknown --target ${target}; use one of ${Object.keys(PREBUILD_FOR_TARGET).join(', ')} or all`);
for (const f of ['dist/extension.js', 'dist/cli.js', 'dist/cli-main.js', 'dist/connect.js', 'dist/launcher.js']) {
  if (!existsSync(join(root, f))) fail(`${f} is missing: run \`node scripts/build.mjs\` first`);
}

const stage = join(root, 'out', 'vsix-stage');
rmSync(stage, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });

function copy(rel, toRel = rel) {
  const from = join(root, rel);
  if (!existsSync(from)) return false;
  mkdirSync(dirname(join(stage, toRel)), { recursive: true });
  cpSync(from, join(stage, toRel), { recursive: true });
  return true;
}

// The bundles (source maps stay out: they name build paths and double the size).
for (const f of ['extension.js', 'cli.js', 'cli-main.js', 'connect.js', 'launcher.js']) copy(`dist/${f}`);
copy('media');
copy('LICENSE');
copy('README.md');
copy('CHANGELOG.md');
// README pictures are referenced relatively; ship them so the Marketplace/extension page shows them offline too.
copy('docs/images');

// The manifest, minus what only the repository needs (scripts would make vsce run `vscode:prepublish`-style hooks).
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
delete manifest.scripts;
delete manifest.devDependencies;
delete manifest.allowScripts;
// The VSIX carries exactly one runtime package; say so in its manifest.
manifest.dependencies = { 'better-sqlite3': manifest.dependencies?.['better-sqlite3'] ?? '*' };
writeFileSync(join(stage, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');

// better-sqlite3: package.json, lib/, LICENSE and the prebuilt binary for the target (all of them for `--target all`).
const bsq = 'node_modules/better-sqlite3';
if (!existsSync(join(root, bsq, 'package.json'))) fail(`${bsq} is missing: run \`npm ci\``);
// Its only dependency, node-addon-api, is C++ headers for building from source: not needed at run time, and
// dropping it from the staged manifest lets `npm list` (which vsce runs to collect dependencies) see a complete tree.
const bsqManifest = JSON.parse(readFileSync(join(root, bsq, 'package.json'), 'utf8'));
delete bsqManifest.dependencies;
delete bsqManifest.devDependencies;
delete bsqManifest.scripts;
mkdirSync(join(stage, bsq), { recursive: true });
writeFileSync(join(stage, bsq, 'package.json'), JSON.stringify(bsqManifest, null, 2) + '\n');
copy(`${bsq}/lib`);
copy(`${bsq}/LICENSE`);
const prebuilds = readdirSync(join(root, bsq, 'prebuilds')).filter((n) => n.endsWith('.node'));
const wanted = target === 'all' ? prebuilds : prebuilds.filter((n) => n === `${PREBUILD_FOR_TARGET[target]}.node`);
if (!wanted.length) fail(`better-sqlite3 ships no prebuilt binary for ${target} (has: ${prebuilds.join(', ')})`);
for (const n of wanted) copy(`${bsq}/prebuilds/${n}`);
// A locally compiled binary (npm rebuild) would win over the prebuilds at run time; only ship it for the host target.
if (target === hostTarget && existsSync(join(root, bsq, 'build/Release/better_sqlite3.node'))) copy(`${bsq}/build/Release/better_sqlite3.node`);

// Everything in the stage is wanted; vsce's default ignore list still drops dotfiles and the like.
writeFileSync(join(stage, '.vscodeignore'), '**/*.map\n');

mkdirSync(dirname(out), { recursive: true });
rmSync(out, { force: true });
const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
// --dependencies: vsce takes node_modules entries from `npm list --production`, i.e. exactly the staged better-sqlite3.
const vsceArgs = ['package', '--dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '-o', out];
if (target !== 'all') vsceArgs.push('--target', target);
console.log(`package: vsce ${vsceArgs.join(' ')} (in ${stage})`);
const r = spawnSync(process.execPath, [vsce, ...vsceArgs], { cwd: stage, stdio: 'inherit' });
if (r.error) fail(`vsce did not run: ${r.error.message}`);
if (r.status !== 0) fail(`vsce exited with ${r.status}`);
console.log(`package: wrote ${out} (${(statSync(out).size / 1024 / 1024).toFixed(1)} MB)`);

if (verify) verifyVsix(out);

/** Unzips the VSIX and, from the unpacked extension dir, requires better-sqlite3 and runs a query with this Node. */
function verifyVsix(vsix) {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-warden-vsix-'));
  try {
    const unzip = spawnSync('unzip', ['-q', vsix, '-d', dir], { stdio: 'inherit' });
    if (unzip.error || unzip.status !== 0) {
      // No unzip binary: Python's zipfile is on every machine of this kind.
      const py = spawnSync('python3', ['-m', 'zipfile', '-e', vsix, dir], { stdio: 'inherit' });
      if (py.error || py.status !== 0) fail('could not unpack the VSIX to verify it (neither unzip nor python3 worked)');
    }
    const ext = join(dir, 'extension');
    for (const f of ['package.json', 'dist/extension.js', 'dist/cli-main.js', 'node_modules/better-sqlite3/package.json']) {
      if (!existsSync(join(ext, f))) fail(`the VSIX has no extension/${f}`);
    }
    // Resolve the module the way the engine (dist/cli-main.js) will: from inside extension/dist.
    const probe = `
      const { createRequire } = require('node:module');
      const req = createRequire(${JSON.stringify(join(ext, 'dist', 'cli-main.js'))});
      const resolved = req.resolve('better-sqlite3');
      if (!resolved.startsWith(${JSON.stringify(ext)})) throw new Error('better-sqlite3 resolved outside the VSIX: ' + resolved);
      const Database = req('better-sqlite3');
      const db = new Database(':memory:');
      const row = db.prepare('select sqlite_version() as v, 6 * 7 as answer').get();
      db.close();
      if (row.answer !== 42) throw new Error('unexpected query result ' + JSON.stringify(row));
      console.log('package: verified: better-sqlite3 from the VSIX loads in Node ' + process.versions.node + ' (SQLite ' + row.v + ')');
    `;
    const check = spawnSync(process.execPath, ['-e', probe], { stdio: 'inherit', cwd: dir });
    if (check.status !== 0) fail('the packaged better-sqlite3 does not load: see the error above');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
