// The in-editor suite for @vscode/test-electron: activates Warden, then checks through its commands and /proc that it starts, stops and starts a fixture.
// test-electron loads this module in the extension host and awaits run(); a rejection fails the run.
import * as vscode from 'vscode';
import { isAlive, pollUntil, procsWithEnvMarker } from '../support/procfs';

const MARKER = 'MCP_WARDEN_E2E_FIXTURE';

function fixtureProcs(server: string) {
  return procsWithEnvMarker(MARKER, `${process.env.MCP_WARDEN_E2E_RUN}:${server}`);
}

async function check(name: string, body: () => Promise<void>): Promise<void> {
  const t0 = Date.now();
  try {
    await body();
    console.log(`ok - ${name} (${Date.now() - t0} ms)`);
  } catch (err) {
    console.log(`not ok - ${name}`);
    throw err;
  }
}

export async function run(): Promise<void> {
  if (!process.env.MCP_WARDEN_E2E_RUN) throw new Error('MCP_WARDEN_E2E_RUN is not set: run this suite through test/electron/runTest.mjs');
  const ext = vscode.extensions.getExtension('mcp-warden.mcp-warden');
  if (!ext) throw new Error('the extension mcp-warden.mcp-warden is not loaded');

  await check('activates and starts the workspace server with its two children', async () => {
    await ext.activate();
    await vscode.commands.executeCommand('mcpWarden.focusServers');
    const procs = await pollUntil(() => (fixtureProcs('well-behaved').length === 3 ? fixtureProcs('well-behaved') : null), 60_000, 250);
    if (!procs) throw new Error(`well-behaved did not start with 2 children: ${fixtureProcs('well-behaved').length} processes`);
  });

  await check('Stop Server stops the process tree', async () => {
    const before = fixtureProcs('well-behaved');
    await vscode.commands.executeCommand('mcpWarden.stopServer', 'well-behaved');
    const gone = await pollUntil(() => before.every((p) => !isAlive(p)), 20_000, 250);
    if (!gone) throw new Error(`still alive after Stop: ${before.filter(isAlive).map((p) => p.pid).join(', ')}`);
  });

  await check('Start Server starts it again', async () => {
    await vscode.commands.executeCommand('mcpWarden.startServer', 'well-behaved');
    const back = await pollUntil(() => fixtureProcs('well-behaved').length === 3, 30_000, 250);
    if (!back) throw new Error('well-behaved did not start again');
  });

  await check('Stop All leaves no fixture process', async () => {
    const before = fixtureProcs('well-behaved');
    await vscode.commands.executeCommand('mcpWarden.stopAll');
    const gone = await pollUntil(() => before.every((p) => !isAlive(p)), 20_000, 250);
    if (!gone) throw new Error('fixture processes survived Stop All');
  });
}
