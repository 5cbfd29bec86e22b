// End to end: a workspace whose .vscode/mcp.json has two fixture servers (one forking). Warden lists them as VS Code's
// own and starts neither, offers once to adopt them; Adopt moves them to .vscode/mcp-warden.json (mcp.json keeps its
// comments, loses the two entries); VS Code's own MCP layer starts them through Warden's provider, lists their tools
// and calls one through its own client; /proc shows exactly one tree per server, Warden's; that server's row shows the
// call count and latency; Undo Adoption puts mcp.json back byte for byte and removes what adoption added.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseJsonc } from '../../src/shared/jsonc';
import { CodeServerSession, fixtureServer, VSCODE_MCP_ON } from './support/codeServer';
import { isAlive, listProcs, pollUntil, readProc, SeenProcesses, sleep } from '../support/procfs';
import { clickToastButton, parkMouse, toastTexts, quickInput, rowLabel, runCommand, serverRow, showServersView, waitForNotification, waitForRow, widenSideBar } from './support/workbench';

/** VS Code's id for a server from Warden's provider: `<publisher.name>/<label>`. */
const wardenId = (name: string) => `mcp-warden.mcp-warden/${name} (run by MCP Warden)`;

let s: CodeServerSession;
let original: Buffer;
const seen = new SeenProcesses();

/** mcp.json as a person writes it: comments at the top, between and inside entries, and a key adoption leaves alone. */
function mcpJsonText(run: string): string {
  const wb = fixtureServer(run, 'well-behaved', 'well-behaved.mjs');
  const gc = fixtureServer(run, 'grandchildren', 'grandchildren.mjs');
  return [
    '// My project\'s MCP servers (written by hand).',
    '{',
    '  "inputs": [],',
    '  // caps for both (VS Code flags this key in mcp.json; it moves with the servers)',
    '  "warden": { "memoryLimitMB": 512 },',
    '  "servers": {',
    '    // the plain one',
    `    "well-behaved": ${JSON.stringify(wb).replace('{', '{ /* moves with its entry */ ')},`,
    '    /* forks a child and a setsid grandchild */',
    `    "grandchildren": ${JSON.stringify(gc)}`,
    '  }',
    '  // end of servers',
    '}',
    '',
  ].join('\n');
}

before(async () => {
  s = await CodeServerSession.start({ label: 'adopt', servers: () => ({}), serversFile: 'vscode', installProbe: true, settings: VSCODE_MCP_ON });
  writeFileSync(s.serversPath, mcpJsonText(s.run));
  original = readFileSync(s.serversPath);
  await s.openWorkbench();
  await showServersView(s.page);
  await widenSideBar(s.page);
});

after(async () => {
  if (s) {
    if (process.env.MCP_WARDEN_E2E_DEBUG === '1') console.error(s.wardenLog());
    await s.dispose();
  }
  // Every fixture process this test saw is gone (dispose kills by the session's markers; this proves it by pid + start time).
  assert.deepEqual(seen.alive(), [], 'fixture processes outlived the test');
});

test("mcp.json's servers are listed as VS Code's own, not started by Warden, and offered once for adoption", async () => {
  const toast = await waitForNotification(s.page, /MCP Warden can run "well-behaved" and "grandchildren" from \.vscode\/mcp\.json/, 60_000).catch(async (err: Error) => {
    const shot = await s.screenshot('adopt-offer-missing').catch(() => 'none');
    throw new Error(`${err.message}\ntoasts: ${JSON.stringify(await toastTexts(s.page))} (screenshot ${shot})\nlog:\n${s.wardenLog().slice(-3000)}`);
  });
  for (const name of ['well-behaved', 'grandchildren']) {
    const label = await waitForRow(s.page, name, (l) => /VS Code's own/.test(l), 30_000, `${name} listed as VS Code's`);
    assert.match(label, /not run by Warden · Adopt/);
  }
  await s.screenshot('adopt-offer');
  // Neither Warden nor VS Code (autostart off) started them.
  await sleep(1500);
  assert.deepEqual(s.fixtureProcs().map((p) => `${p.pid} ${p.cmdline}`), [], 'a server of mcp.json was started before adoption');
  await clickToastButton(toast, 'Adopt');
  // The notification center, if the offer was found there, closes like a person closes it.
  await s.page.keyboard.press('Escape');
});

test('Adopt moves both servers to .vscode/mcp-warden.json; mcp.json keeps its comments and loses the two entries', async () => {
  const wardenJson = join(s.workspaceDir, '.vscode', 'mcp-warden.json');
  const moved = await pollUntil(() => existsSync(wardenJson) && !readFileSync(s.serversPath, 'utf8').includes('"well-behaved"'), 15_000);
  assert.ok(moved, `mcp.json was not adopted:\n${readFileSync(s.serversPath, 'utf8')}`);
  const after = readFileSync(s.serversPath, 'utf8');
  for (const comment of ["// My project's MCP servers (written by hand).", '// end of servers']) assert.ok(after.includes(comment), `lost ${comment}:\n${after}`);
  assert.deepEqual(parseJsonc(after), { inputs: [], servers: {} });
  const warden = readFileSync(wardenJson, 'utf8');
  // Each entry exactly as written, the comment inside the servers object going with its entry where it sits in it.
  assert.deepEqual(Object.keys((parseJsonc(warden) as { servers: object }).servers).sort(), ['grandchildren', 'well-behaved']);
  assert.ok(warden.includes('/* moves with its entry */'), `the comment inside the entry did not move with it:\n${warden}`);
  // The file's caps went with its servers.
  assert.deepEqual((parseJsonc(warden) as { warden: object }).warden, { memoryLimitMB: 512 });
  for (const name of ['well-behaved', 'grandchildren']) {
    await waitForRow(s.page, name, (l) => /, running, /.test(l), 60_000, `${name} run by Warden after adoption`);
  }
  // Opened in the editor, Warden's file (a comment inside an entry, "warden" caps) has no problem: it is JSON with
  // comments (as plain JSON the comment would be an error), and Warden's schema knows the caps.
  await runCommand(s.page, 'Go to File...');
  await s.page.keyboard.type('mcp-warden.json');
  await s.page.locator('.quick-input-list .monaco-list-row', { hasText: 'mcp-warden.json' }).first().waitFor({ state: 'visible', timeout: 10_000 });
  await s.page.keyboard.press('Enter');
  await s.page.locator('.tabs-container .tab', { hasText: 'mcp-warden.json' }).first().waitFor({ state: 'visible', timeout: 10_000 });
  await sleep(2000);
  const problems = (await s.page.locator('[id="status.problems"]').first().getAttribute('aria-label').catch(() => null)) ?? '';
  assert.match(problems, /No Problems|Errors: 0, Warnings: 0|^0 errors?, 0 warnings?/i, `problems in mcp-warden.json: ${problems}`);
  await s.screenshot('adopt-warden-json');
  await runCommand(s.page, 'View: Close All Editors');
  // The VS Code's-own group is gone with its servers.
  assert.equal(await s.page.locator('.monaco-list-row[aria-label^="VS Code\'s own servers"]').count(), 0);
});

test("VS Code's own MCP layer starts both through Warden's provider, lists their tools and calls one through its own client", async () => {
  for (const name of ['well-behaved', 'grandchildren']) {
    const started = await s.probe({ op: 'start', serverId: wardenId(name) });
    assert.equal(started.error, undefined, `starting ${name} through VS Code: ${JSON.stringify(started)}`);
  }
  let names: string[] = [];
  const listed = await pollUntil(async () => {
    const r = await s.probe({ op: 'tools' });
    names = (r.tools as { name: string }[]).map((t) => t.name);
    // VS Code names an MCP tool mcp_<serverInfo name, cut>_<tool> (mcp_fixture-grand_pids): both servers' own tools,
    // the forking one's `pids` among them.
    return names.some((n) => /^mcp_fixture-well.*_echo$/.test(n)) && names.some((n) => /^mcp_fixture-grand.*_pids$/.test(n)) ? names : null;
  }, 30_000, 1000);
  assert.ok(listed, `VS Code does not list the tools of both adopted servers: ${JSON.stringify(names)}`);
  const answer = await s.probe({ op: 'call', serverId: wardenId('grandchildren'), toolSuffix: 'grand_echo', input: { text: 'through VS Code' } });
  assert.equal(answer.error, undefined, `the call through VS Code failed: ${JSON.stringify(answer)}`);
  assert.equal(answer.text, 'through VS Code');
  assert.match(String(answer.tool), /fixture-grand/);
});

test('the process table shows exactly one tree per server, under Warden, none under VS Code', async () => {
  const host = s.extensionHost();
  assert.ok(host, 'no extension host');
  for (const name of ['well-behaved', 'grandchildren']) {
    const procs = s.fixtureProcs(name);
    for (const p of procs) seen.add(p.pid);
    const pids = new Set(procs.map((p) => p.pid));
    // Roots: marked processes whose parent is not marked. grandchildren's setsid child is reparented only if its
    // parent died, which it did not: one root.
    const roots = procs.filter((p) => !pids.has(p.ppid));
    assert.equal(roots.length, 1, `${name}: ${roots.length} process trees: ${JSON.stringify(procs.map((p) => `${p.pid}<-${p.ppid} ${p.cmdline.slice(0, 80)}`))}`);
    const parent = readProc(roots[0]!.ppid);
    assert.ok(parent, `${name}'s parent is gone`);
    assert.notEqual(parent.pid, host.pid, `${name} was spawned by VS Code's extension host, not by Warden`);
    // Warden's engine or per-window helper: a process of the installed extension (helper.js or cli.js).
    assert.match(parent.cmdline, /mcp-warden\.mcp-warden-[^/]*\/dist\/(helper|cli|cli-main)\.js/, `${name}'s parent is not Warden: ${parent.cmdline}`);
  }
  assert.ok(s.fixtureProcs('grandchildren').length >= 3, 'the forking server and its children');
});

test('the row of the server called through VS Code shows the call count and latency', async () => {
  const label = await waitForRow(s.page, 'grandchildren', (l) => /\b1 call · p50 [\d.]+ ms · this window\b/.test(l), 20_000, 'grandchildren row with 1 call, a p50 and this window');
  assert.doesNotMatch(label, /error/);
  const other = await rowLabel(s.page, 'well-behaved');
  assert.doesNotMatch(other ?? '', /\bcalls?\b/, 'a call was counted on the server not called');
  await parkMouse(s.page);
  await s.screenshot('adopt-calls');
  const row = serverRow(s.page, 'grandchildren').first();
  await row.hover();
  const hover = s.page.locator('.monaco-hover, .workbench-hover', { hasText: 'Clients:' }).first();
  await hover.waitFor({ state: 'visible', timeout: 10_000 });
  assert.match((await hover.textContent()) ?? '', /Calls: 1 · errors 0 · p50/);
  await parkMouse(s.page);
});

test('Undo Adoption restores mcp.json byte for byte, removes mcp-warden.json, and Warden stops the servers', async () => {
  const before = [...s.fixtureProcs('well-behaved'), ...s.fixtureProcs('grandchildren')];
  for (const p of before) seen.add(p.pid);
  await runCommand(s.page, 'MCP Warden: Undo Adoption');
  const back = await pollUntil(() => readFileSync(s.serversPath).equals(original), 15_000);
  assert.ok(back, `mcp.json is not back byte for byte:\n${readFileSync(s.serversPath, 'utf8')}`);
  assert.equal(existsSync(join(s.workspaceDir, '.vscode', 'mcp-warden.json')), false, 'mcp-warden.json (created by adoption) is still there');
  const gone = await pollUntil(() => before.every((p) => !isAlive(p)), 20_000, 250);
  assert.ok(gone, `still alive after undo: ${before.filter(isAlive).map((p) => p.pid).join(', ')}`);
  await waitForRow(s.page, 'well-behaved', (l) => /VS Code's own/.test(l), 20_000, "well-behaved listed as VS Code's again");
  // Adoptable again, but offered once per window: no second offer.
  await sleep(3000);
  const offers = (await toastTexts(s.page)).filter((t) => /MCP Warden can run/.test(t));
  assert.deepEqual(offers, [], 'the adoption was offered a second time in one window');
});

test("Add Server writes Warden's file (.vscode/mcp-warden.json), never mcp.json, and Warden runs the server", async () => {
  const wardenJson = join(s.workspaceDir, '.vscode', 'mcp-warden.json');
  await runCommand(s.page, 'MCP Warden: Add Server…');
  const input = quickInput(s.page);
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill('added');
  await input.press('Enter');
  await pollUntil(async () => (await input.inputValue().catch(() => 'x')) === '', 10_000, 100);
  // The command line: the fixture under this run's marker (env is not part of Add Server: the marker goes in argv).
  const { command, args } = fixtureServer(s.run, 'added', 'well-behaved.mjs');
  await input.fill(`${command} ${args.join(' ')} --marker ${s.run}-added`);
  await input.press('Enter');
  const written = await pollUntil(() => existsSync(wardenJson) && readFileSync(wardenJson, 'utf8').includes('"added"'), 15_000);
  assert.ok(written, 'Add Server did not write .vscode/mcp-warden.json');
  assert.ok(readFileSync(s.serversPath).equals(original), 'Add Server changed mcp.json');
  await waitForRow(s.page, 'added', (l) => /, running, /.test(l), 60_000, 'the added server run by Warden');
  // Anywhere in the table: the per-user engine that runs it is not code-server's child.
  const root = listProcs().find((p) => p.cmdline.includes(`${s.run}-added`));
  assert.ok(root, 'the added server is not in /proc');
  seen.add(root.pid);
  await s.page.keyboard.press('Escape');
});
