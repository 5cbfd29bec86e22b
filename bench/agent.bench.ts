// A tool call through VS Code's own MCP client (vscode.lm.invokeTool, as the agent calls tools) to a server Warden runs
// (Streamable HTTP on the per-user engine's socket, through the session layer) against the same server started by VS Code itself
// (stdio), in one code-server window, rounds interleaved. Two more arms split the difference: an in-process SDK server
// (test/fixtures/servers/http-server.mjs, no relay) over a unix socket and over 127.0.0.1, so what VS Code's HTTP
// client costs shows apart from what Warden's relay costs. Writes bench/results/agent.json.
import { cpus } from 'node:os';
import { join } from 'node:path';
import { CodeServerSession, FIXTURE_MARKER, fixtureServer, fixturesDir, node24, VSCODE_MCP_ON } from '../test/e2e/support/codeServer';
import { HttpFixture } from '../test/e2e/support/httpFixture';
import { showServersView, waitForRow } from '../test/e2e/support/workbench';
import { median, percentile, round, writeResults } from './support';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const CALLS_PER_ROUND = Number(process.env.BENCH_CALLS ?? 100);
const WARDEN_ID = 'mcp-warden.mcp-warden/readonly (run by MCP Warden)';
const PROBE = 'mcp-warden-tests.mcp-probe';
type Arm = 'warden' | 'vscode' | 'unixfx' | 'tcpfx';
const ARMS: Arm[] = ['warden', 'vscode', 'unixfx', 'tcpfx'];
const SERVER_ID: Record<Arm, string> = {
  warden: WARDEN_ID,
  vscode: `${PROBE}/readonly by VS Code`,
  unixfx: `${PROBE}/fixture over unix`,
  tcpfx: `${PROBE}/fixture over tcp`,
};

async function main(): Promise<void> {
  const http = await HttpFixture.start(['unixfx', 'tcpfx']);
  const s = await CodeServerSession.start({
    label: 'bench-agent',
    installProbe: true,
    settings: VSCODE_MCP_ON,
    servers: (run) => ({ readonly: fixtureServer(run, 'readonly', 'readonly.mjs', { PROBE_TAG: 'warden' }) }),
  });
  try {
    await s.openWorkbench();
    await showServersView(s.page);
    await waitForRow(s.page, 'readonly', (l) => /, running, /.test(l), 60_000, 'readonly running under Warden');
    s.writeProbeDefinitions([
      {
        label: 'readonly by VS Code',
        command: node24,
        args: [join(fixturesDir, 'readonly.mjs')],
        env: { PROBE_TAG: 'vscode', [FIXTURE_MARKER]: `${s.run}:readonly-vscode` },
        version: '1',
      },
      { label: 'fixture over unix', uri: http.unixUri('unixfx'), version: '1' },
      { label: 'fixture over tcp', uri: http.tcpUrl('tcpfx'), headers: { Authorization: `Bearer ${http.token}` }, version: '1' },
    ]);
    await s.probe({ op: 'refresh' });
    const samples: Record<Arm, number[]> = { warden: [], vscode: [], unixfx: [], tcpfx: [] };
    const call = async (which: Arm, repeat: number) => {
      const a = await s.probe({ op: 'call', serverId: SERVER_ID[which], toolSuffix: 'warden_probe_echo', descriptionIncludes: `(${which})`, input: { text: 'x' }, repeat }, 300_000);
      if (a.error || !String(a.text).endsWith('x')) throw new Error(`${which}: ${JSON.stringify(a).slice(0, 2000)}`);
      return a.durationsMs as number[];
    };
    // Warm-up: starts every arm (VS Code connects to Warden's / spawns its own) and JIT-compiles every path.
    for (const which of ARMS) await call(which, 20);
    for (let r = 0; r < ROUNDS; r++) {
      // Rotate which goes first, so a drift in machine speed within a round favours none.
      const order = ARMS.map((_, i) => ARMS[(i + r) % ARMS.length]!);
      for (const which of order) samples[which].push(...(await call(which, CALLS_PER_ROUND)));
    }
    const stat = (xs: number[]) => ({ calls: xs.length, p50Ms: round(median(xs), 3), p95Ms: round(percentile(xs, 95), 3), p99Ms: round(percentile(xs, 99), 3) });
    const warden = stat(samples.warden);
    const vscode = stat(samples.vscode);
    const unixFixture = stat(samples.unixfx);
    const tcpFixture = stat(samples.tcpfx);
    const result = {
      what: 'tools/call of a small echo through vscode.lm.invokeTool (VS Code 1.139 in code-server 4.139.1): Warden-run server over the engine socket vs the same server spawned by VS Code (stdio); plus an in-process SDK HTTP server over a unix socket and over TCP',
      machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown' },
      rounds: ROUNDS,
      callsPerRound: CALLS_PER_ROUND,
      wardenRun: warden,
      startedByVSCode: vscode,
      sdkHttpServerOverUnixSocket: unixFixture,
      sdkHttpServerOverTcp: tcpFixture,
      addedP50Ms: round(warden.p50Ms - vscode.p50Ms, 3),
      addedP95Ms: round(warden.p95Ms - vscode.p95Ms, 3),
      /** What Warden's relay adds over an HTTP server that answers in-process, on the same kind of socket. */
      relayP50Ms: round(warden.p50Ms - unixFixture.p50Ms, 3),
      /** What VS Code's HTTP client over a unix socket costs over its stdio client (no Warden involved). */
      vscodeUnixHttpOverStdioP50Ms: round(unixFixture.p50Ms - vscode.p50Ms, 3),
      targetAddedP50Ms: 1,
      processes: { wardenCopy: s.fixtureProcs('readonly').length, vscodeCopy: s.fixtureProcs('readonly-vscode').length },
    };
    console.log(JSON.stringify(result, null, 2));
    writeResults('agent', result);
  } finally {
    await s.dispose();
    await http.dispose();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
