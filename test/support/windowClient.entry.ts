// A stand-in for an editor's extension host, for fault tests: connects to the engine as the extension does
// (src/extension/engineConnection.ts), attaches as a window, configures its servers, opens its agent's Streamable HTTP
// session to one of them (with the window's header) and calls a tool; prints "ready <json>" and idles until killed.
import { randomUUID } from 'node:crypto';
import { AttachWindowRequest, ConfigureRequest, SnapshotRequest, WINDOW_HEADER, type ConfigureParams } from '../../src/shared/protocol';
import { connectEngine } from '../../src/extension/engineConnection';
import { connectOverHttp } from './wardenClients';

const { stateDir, cli, params, agentServer } = JSON.parse(process.argv[2]!) as { stateDir: string; cli: string; params: ConfigureParams; agentServer?: string };
void (async () => {
  const link = await connectEngine({ nodePath: process.execPath, env: {}, cliModule: cli, stateDir, idleExitSec: 600 });
  link.connection.listen();
  const { windowId } = await link.connection.sendRequest(AttachWindowRequest.type, { windowId: randomUUID(), label: 'stand-in window', pid: process.pid });
  const report = await link.connection.sendRequest(ConfigureRequest.type, params);
  const snapshot = await link.connection.sendRequest(SnapshotRequest.type);
  let toolResult: unknown = null;
  if (agentServer) {
    const socketPath = snapshot.helper.endpoints!.unixSocket!;
    const agent = await connectOverHttp(`http://localhost/mcp/${encodeURIComponent(agentServer)}`, { socketPath, headers: { [WINDOW_HEADER]: windowId }, name: 'stand-in agent' });
    toolResult = await agent.client.callTool({ name: 'echo', arguments: { text: 'from the window' } });
  }
  process.stdout.write(`ready ${JSON.stringify({ windowId, enginePid: link.enginePid, started: link.started, servers: report.servers.map((s) => s.name), toolResult })}\n`);
  setInterval(() => undefined, 1 << 30);
})().catch((err: unknown) => {
  process.stderr.write(`window stand-in failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
