// A real MCP client process for fault tests: the SDK client through `mcp-warden connect NAME`; prints
// "ready <bridge pid>" once a tool call went through, then idles until it is killed.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const [cli, name, stateDir] = process.argv.slice(2) as [string, string, string];
void (async () => {
  const transport = new StdioClientTransport({ command: process.execPath, args: [cli, 'connect', name, '--state-dir', stateDir], env: process.env as Record<string, string>, stderr: 'ignore' });
  const client = new Client({ name: 'fault-client', version: '1.0.0' });
  await client.connect(transport);
  await client.callTool({ name: 'echo', arguments: { text: 'x' } });
  process.stdout.write(`ready ${transport.pid}\n`);
  setInterval(() => undefined, 1 << 30);
})();
