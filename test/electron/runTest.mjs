// `npm run test:electron`: the in-editor assertions in a downloaded desktop VS Code via @vscode/test-electron.
// For machines that can download VS Code; not part of `npm test` (which runs the same checks in code-server).
// Usage: node test/electron/runTest.mjs   (after `node scripts/build.mjs`; VSCODE_VERSION=stable|insiders|1.101.0 picks the build)
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';
import * as esbuild from 'esbuild';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
const version = process.env.VSCODE_VERSION ?? 'stable';

function fail(message) {
  console.error(`test:electron: ${message}`);
  process.exit(1);
}

if (!existsSync(join(root, 'dist', 'extension.js')) || !existsSync(join(root, 'dist', 'cli.js'))) {
  fail('dist/extension.js or dist/cli.js is missing: run `node scripts/build.mjs` first');
}

// The suite is bundled here (it is not one of scripts/build.mjs's test roots): vscode stays external, as in the extension.
const suiteOut = join(root, 'out', 'test', 'electron', 'suite.js');
await esbuild.build({
  entryPoints: [join(root, 'test', 'electron', 'suite.ts')],
  outfile: suiteOut,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['vscode'],
  logLevel: 'warning',
});

let vscodeExecutablePath;
try {
  // An idle timeout, so a machine whose network silently drops the connection fails in a minute, not never.
  vscodeExecutablePath = await downloadAndUnzipVSCode({ version, timeout: 60_000, cachePath: join(root, '.vscode-test') });
} catch (err) {
  fail(
    `could not download VS Code ${version} (${err?.message ?? err}).\n` +
      'This runner needs a machine that can reach the VS Code download servers. Where it cannot, use `npm run test:e2e`, ' +
      'which runs the end-to-end suite in code-server installed from npm (scripts/setup-e2e.sh).',
  );
}

const run = randomUUID().slice(0, 8);
const dir = mkdtempSync(join(tmpdir(), 'mcp-warden-electron-'));
const workspace = join(dir, 'workspace');
const userDataDir = join(dir, 'user-data');
const stateDir = join(dir, 'state');
mkdirSync(join(workspace, '.vscode'), { recursive: true });
mkdirSync(join(userDataDir, 'User'), { recursive: true });
mkdirSync(stateDir, { recursive: true });
const fixtures = join(root, 'test', 'fixtures', 'servers');
writeFileSync(
  // Warden's workspace file: a server in .vscode/mcp.json is VS Code's own (Warden offers to adopt it, never runs it).
  join(workspace, '.vscode', 'mcp-warden.json'),
  JSON.stringify({
    servers: {
      'well-behaved': {
        type: 'stdio',
        command: process.execPath,
        args: [join(fixtures, 'well-behaved.mjs')],
        env: { CHILDREN: '2', MCP_WARDEN_E2E_FIXTURE: `${run}:well-behaved` },
      },
    },
  }, null, 2),
);
writeFileSync(
  join(userDataDir, 'User', 'settings.json'),
  JSON.stringify({
    'security.workspace.trust.enabled': false,
    'chat.mcp.autostart': 'never',
    'mcpWarden.sampleIntervalMs': 500,
    'mcpWarden.stateDir': stateDir,
    // Electron's own Node may be older than 22: the helper then runs on this Node.
    'mcpWarden.nodePath': process.execPath,
  }, null, 2),
);

let code = 0;
try {
  await runTests({
    vscodeExecutablePath,
    extensionDevelopmentPath: root,
    extensionTestsPath: suiteOut,
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--user-data-dir', userDataDir, '--skip-welcome', '--skip-release-notes'],
    extensionTestsEnv: { MCP_WARDEN_E2E_RUN: run },
  });
  console.log('test:electron: 1 passed, 0 failed');
} catch (err) {
  console.error(`test:electron: the in-editor suite failed: ${err?.message ?? err}`);
  code = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(code);
