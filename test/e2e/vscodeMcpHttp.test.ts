// End to end, the spike behind Warden's MCP provider: does this VS Code (code-server 4.139 = VS Code 1.139) accept an
// McpHttpServerDefinition whose URI is `unix:///abs/path.sock#/mcp/NAME`, connect over the socket, list the tools and
// call one through its own MCP client? And the fallback: 127.0.0.1 with the bearer token in `headers`.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CodeServerSession, VSCODE_MCP_ON } from './support/codeServer';
import { HttpFixture } from './support/httpFixture';
import { runCommand } from './support/workbench';

let s: CodeServerSession;
let http: HttpFixture;

/** VS Code's id for a server from an extension's provider: `<publisher.name>/<label>`. */
const PROBE = 'mcp-warden-tests.mcp-probe';

before(async () => {
  http = await HttpFixture.start(['unixsrv', 'tcpsrv']);
  s = await CodeServerSession.start({ label: 'mcphttp', servers: () => ({}), installWarden: false, installProbe: true, settings: VSCODE_MCP_ON });
  await s.openWorkbench();
});

after(async () => {
  await s?.dispose();
  await http?.dispose();
});

test('VS Code connects to an MCP server over a unix socket (unix:///path.sock#/mcp/NAME) and calls a tool through its own client', async () => {
  s.writeProbeDefinitions([
    { label: 'unix fixture', uri: http.unixUri('unixsrv'), version: '1' },
    { label: 'tcp fixture', uri: http.tcpUrl('tcpsrv'), headers: { Authorization: `Bearer ${http.token}` }, version: '1' },
  ]);
  // The provider fires onDidChangeMcpServerDefinitions; VS Code reads the definitions again.
  await s.probe({ op: 'refresh' });
  const unix = await s.probe({ op: 'call', serverId: `${PROBE}/unix fixture`, toolSuffix: 'warden_probe_echo', descriptionIncludes: '(unixsrv)', input: { text: 'over the socket' } });
  assert.equal(unix.error, undefined, `calling through the unix socket failed: ${JSON.stringify(unix)}`);
  assert.equal(unix.text, 'unixsrv:over the socket');
  const viaUnix = http.requests().filter((r) => r.url === '/mcp/unixsrv');
  assert.ok(viaUnix.length >= 3 && viaUnix.every((r) => r.via === 'unix'), `requests for unixsrv: ${JSON.stringify(viaUnix)}`);
  assert.ok(viaUnix.some((r) => r.method === 'POST' && r.session), 'VS Code kept no MCP session over the socket');
});

test('VS Code connects to 127.0.0.1 with the bearer token in headers, and the token reaches the server', async () => {
  const tcp = await s.probe({ op: 'call', serverId: `${PROBE}/tcp fixture`, toolSuffix: 'warden_probe_echo', descriptionIncludes: '(tcpsrv)', input: { text: 'over tcp' } });
  assert.equal(tcp.error, undefined, `calling over TCP failed: ${JSON.stringify(tcp)}`);
  assert.equal(tcp.text, 'tcpsrv:over tcp');
  const viaTcp = http.requests().filter((r) => r.url === '/mcp/tcpsrv');
  assert.ok(viaTcp.length >= 3 && viaTcp.every((r) => r.via === 'tcp' && r.authorized), `requests for tcpsrv: ${JSON.stringify(viaTcp)}`);
});

test('MCP: List Servers shows both provided servers running', async () => {
  await runCommand(s.page, 'MCP: List Servers');
  const rows = s.page.locator('.quick-input-list .monaco-list-row');
  await rows.first().waitFor({ state: 'visible', timeout: 15_000 });
  const labels = await rows.allTextContents();
  await s.screenshot('vscode-mcp-list-servers');
  for (const name of ['unix fixture', 'tcp fixture']) {
    const row = labels.find((l) => l.includes(name));
    assert.ok(row, `"${name}" not in MCP: List Servers: ${JSON.stringify(labels)}`);
    assert.match(row, /Running/i, `"${name}" is not shown running: ${row}`);
  }
  await s.page.keyboard.press('Escape');
});
