// Two windows (two browser pages on one code-server, different folders) with the same five user-level MCP servers:
// the processes and PSS they cost with Warden (one per-user engine, each server once) against VS Code's own MCP support
// (each window's extension host spawns its own copies), and the processes left after both windows are closed.
// Writes bench/results/windows.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { EDITOR_DAEMON_IDLE_EXIT_SEC } from '../src/extension/engineConnection';
import { CodeServerSession, fixtureServer, FIXTURE_MARKER, node24, repoRoot, VSCODE_MCP_ON, type McpServerEntry } from '../test/e2e/support/codeServer';
import { showServersView, waitForRow } from '../test/e2e/support/workbench';
import { descendants, isAlive, pollUntil, sleep, type ProcInfo } from '../test/support/procfs';
import { readPssBytes } from '../src/helper/sampling/pss';
import { median, round, writeResults } from './support';

const MB = 2 ** 20;
const PROBE = 'mcp-warden-tests.mcp-probe';
/** After both windows closed: how long survivors get to leave (servers: grace + 1 s; the engine: its idle exit). */
const SETTLE_SHORT_MS = 5000;
const SETTLE_LONG_MS = (EDITOR_DAEMON_IDLE_EXIT_SEC + 10) * 1000;

/** Five user-level servers: two real ones from npm, three fixtures (one with a child, as an `npx` wrapper has). */
function fiveServers(run: string, tag: string): Record<string, McpServerEntry> {
  const pkg = (name: string) => join(repoRoot, 'node_modules', '@modelcontextprotocol', name, 'dist', 'index.js');
  return {
    memory: { type: 'stdio', command: node24, args: [pkg('server-memory')], env: { MEMORY_FILE_PATH: join('/tmp', `bench-windows-${run}-${tag}.jsonl`), [FIXTURE_MARKER]: `${run}:memory` } },
    everything: { type: 'stdio', command: node24, args: [pkg('server-everything'), 'stdio'], env: { [FIXTURE_MARKER]: `${run}:everything` } },
    'well-behaved': fixtureServer(run, 'well-behaved', 'well-behaved.mjs', { CHILDREN: '1' }),
    readonly: fixtureServer(run, 'readonly', 'readonly.mjs'),
    tiny: fixtureServer(run, 'tiny', 'tiny.mjs'),
  };
}

/** 0 for a process that is gone: the benches sum trees whose members may exit between listing and reading. */
function pssBytes(pid: number): number {
  return readPssBytes(pid) ?? 0;
}

/** Median over three reads a second apart of the summed PSS of `procs()` (re-listed each time). */
async function measure(procs: () => ProcInfo[]): Promise<{ processes: number; pssMB: number }> {
  const counts: number[] = [];
  const pss: number[] = [];
  for (let i = 0; i < 3; i++) {
    const list = procs();
    counts.push(list.length);
    pss.push(list.reduce((a, p) => a + pssBytes(p.pid), 0));
    await sleep(1000);
  }
  return { processes: median(counts), pssMB: round(median(pss) / MB, 1) };
}

/** Two windows on one code-server: the session's own workspace and a second folder. */
async function twoWindows(s: CodeServerSession): Promise<[Page, Page]> {
  const folderB = join(s.dir, 'workspace-b');
  mkdirSync(join(folderB, '.vscode'), { recursive: true });
  writeFileSync(join(folderB, 'README.md'), '# The second window\n');
  await s.openWorkbench();
  const b = await s.openWindow(folderB);
  return [s.page, b];
}

async function closeBoth(s: CodeServerSession, pages: Page[]): Promise<void> {
  const hosts = s.extensionHosts();
  for (const p of pages) await p.close({ runBeforeUnload: true });
  await pollUntil(() => hosts.every((h) => !isAlive(h)), 30_000, 100);
}

/** Processes carrying this run's fixture marker or descending from `extra` (the engine), that are not code-server's. */
function survivors(s: CodeServerSession, engine: ProcInfo | undefined): string[] {
  const procs = [...s.fixtureProcs(), ...(engine && isAlive(engine) ? [engine] : [])];
  return [...new Set(procs.filter(isAlive).map((p) => `${p.pid} ${p.cmdline.slice(0, 100)}`))];
}

async function wardenArm() {
  const s = await CodeServerSession.start({ label: 'bench-windows-warden', servers: () => ({}) });
  try {
    const userFile = join(s.dir, 'user-servers.json');
    writeFileSync(userFile, JSON.stringify({ servers: fiveServers(s.run, 'warden') }, null, 2));
    s.writeSettings({ 'mcpWarden.configFiles': [userFile] });
    const pages = await twoWindows(s);
    for (const page of pages) {
      await showServersView(page);
      for (const name of Object.keys(fiveServers(s.run, 'warden'))) await waitForRow(page, name, (l) => /, running, /.test(l), 90_000, `${name} running`);
    }
    const engine = await s.waitForEngine();
    // Warden's cost: the engine and everything it runs (each server once, for both windows).
    const open = await measure(() => [engine, ...descendants(engine.pid)].filter(isAlive));
    const engineAlone = await measure(() => [engine].filter(isAlive));
    // Not in the comparison (VS Code's arm has its own extension hosts, with its MCP client in them): for the record.
    const extensionHosts = await measure(() => s.extensionHosts());
    const serverProcesses = s.fixtureProcs().length;
    await closeBoth(s, pages);
    await sleep(SETTLE_SHORT_MS);
    const leftShort = survivors(s, engine);
    await pollUntil(() => survivors(s, engine).length === 0, SETTLE_LONG_MS, 250);
    const leftLong = survivors(s, engine);
    return { open, enginePssMB: engineAlone.pssMB, extensionHostsPssMB: extensionHosts.pssMB, serverProcesses, engineProcesses: 1, leftAfterClose: { afterMs: SETTLE_SHORT_MS, processes: leftShort.length, list: leftShort }, leftAfterIdleExit: { afterMs: SETTLE_LONG_MS, processes: leftLong.length, list: leftLong } };
  } finally {
    await s.dispose();
  }
}

async function vscodeArm() {
  const s = await CodeServerSession.start({ label: 'bench-windows-vscode', servers: () => ({}), installWarden: false, installProbe: true, settings: VSCODE_MCP_ON });
  try {
    // VS Code's own MCP support spawns each server itself, in each window (stdio definitions from the probe's provider).
    const servers = fiveServers(s.run, 'vscode');
    s.writeProbeDefinitions(Object.entries(servers).map(([label, e]) => ({ label, command: e.command, args: e.args, env: e.env, version: '1' })));
    const pages = await twoWindows(s);
    const roots = (name: string) => {
      const procs = s.fixtureProcs(name);
      return procs.filter((p) => !procs.some((q) => q.pid === p.ppid)).length;
    };
    for (const [i, page] of pages.entries()) {
      await s.probe({ op: 'refresh' }, 60_000, page);
      for (const label of Object.keys(servers)) {
        // VS Code reads a provider's definitions asynchronously: a start before it knows the id does nothing, so ask again.
        for (let attempt = 0; roots(label) < i + 1; attempt++) {
          if (attempt >= 10) throw new Error(`VS Code did not start ${label} in window ${i + 1}`);
          await s.probe({ op: 'start', serverId: `${PROBE}/${label}` }, 90_000, page);
          await pollUntil(() => roots(label) >= i + 1, 3000, 100);
        }
      }
    }
    const open = await measure(() => s.fixtureProcs());
    const extensionHosts = await measure(() => s.extensionHosts());
    const serverProcesses = s.fixtureProcs().length;
    await closeBoth(s, pages);
    await sleep(SETTLE_SHORT_MS);
    const leftShort = survivors(s, undefined);
    await sleep(Math.max(0, SETTLE_LONG_MS - SETTLE_SHORT_MS));
    const leftLong = survivors(s, undefined);
    return { open, extensionHostsPssMB: extensionHosts.pssMB, serverProcesses, leftAfterClose: { afterMs: SETTLE_SHORT_MS, processes: leftShort.length, list: leftShort }, leftAfterIdleExit: { afterMs: SETTLE_LONG_MS, processes: leftLong.length, list: leftLong } };
  } finally {
    await s.dispose();
  }
}

async function main(): Promise<void> {
  const warden = await wardenArm();
  const vscode = await vscodeArm();
  const result = {
    what: 'two windows (two pages on one code-server 4.139.1, different folders) with the same five user-level servers (server-memory, server-everything, 3 fixtures, one with a child): processes and summed PSS with Warden (the engine + its servers) vs VS Code\'s own MCP support (its spawned servers); processes left after closing both windows',
    servers: 5,
    warden,
    vscode,
    processRatio: round(vscode.open.processes / warden.open.processes, 2),
    pssRatio: round(vscode.open.pssMB / warden.open.pssMB, 2),
    target: { ratio: 2, leftAfterClose: 0 },
  };
  console.log(JSON.stringify(result, null, 2));
  writeResults('windows', result);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
