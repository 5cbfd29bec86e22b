// Entry point of the helper process that the extension starts over IPC (dist/helper.js).
// Checks the Node version before anything can load a native module, then runs the engine on the IPC connection.
import { exitIfNodeTooOld } from './platform/nodeVersion';

exitIfNodeTooOld();

void (async () => {
  const { parseHelperArgs } = await import('./helperArgs');
  const { defaultStateDir } = await import('./platform/stateDir');
  const { startEngine } = await import('./engine');
  const { createIpcConnection } = await import('./rpc/ipcConnection');
  const { watchParent } = await import('./lifecycle/parentWatch');
  const { registerMemoryHandlers, sharedMemoryStore } = await import('./memory/handlers');
  const { MEMORY_SERVER_NAME } = await import('../shared/protocol');
  const { windowSocketPath } = await import('./endpoints/paths');
  const { removeDeadWindowSockets } = await import('./endpoints/windowSockets');
  type RequestHost = import('./rpc/requestHost').RequestHost;

  const { guardStdio, safeLog } = await import('./lifecycle/safeLog');
  guardStdio();
  const args = parseHelperArgs(process.argv.slice(2));
  // Once the editor is connected, informational lines go to its output as log messages (stderr shows as errors there).
  let logToClient: ((line: string) => void) | undefined;
  const log = (line: string) => {
    if (logToClient) {
      try {
        logToClient(line);
        return;
      } catch {
        logToClient = undefined;
      }
    }
    safeLog(`[mcp-warden helper ${process.pid}] ${line}`);
  };
  const stateDir = args.stateDir ?? defaultStateDir();

  let closeReason: string | undefined;
  let exit: ((reason: string) => void) | undefined;
  const close = (reason: string) => {
    if (exit) exit(reason);
    else closeReason ??= reason;
  };
  const enginePromise = startEngine({
    stateDir,
    startedBy: 'vscode',
    workspace: null,
    log,
    registerExtra: (host) => registerMemoryHandlers(host, { stateDir }),
    // VS Code's agent reaches the servers this helper runs over Streamable HTTP on a socket of its own (no engine
    // lock: the per-user daemon may hold that), announced in the snapshot's endpoints for the extension's provider.
    // The memory store's MCP server is answered in-process there too: the agent's memory costs no process of its own.
    serveClients: {
      lockCommand: null,
      socketPath: windowSocketPath(stateDir),
      rootsShareConfigured: true,
      builtins: new Map([[MEMORY_SERVER_NAME, async () => {
        const { createMemoryMcpServer } = await import('./memory/mcpServer');
        return createMemoryMcpServer(sharedMemoryStore({ stateDir }), 'vscode-agent');
      }]]),
    },
  });
  let served = false;
  const connection = createIpcConnection({
    onInitialize: async (params) => {
      const engine = await enginePromise;
      if (served) return;
      served = true;
      if (typeof params.processId === 'number' && params.processId > 0) watchParent(close, params.processId);
      logToClient = (line) => void connection.sendNotification('window/logMessage', { type: 3, message: `[helper ${process.pid}] ${line}` }).catch(() => undefined);
      engine.serve(connection as unknown as RequestHost, (reason) => {
        // Window close: the servers are already stopped; exit once the response has been written.
        setTimeout(() => void engine.exit(`shutdown requested: ${reason}`), 50);
      });
      log(`ready (state dir ${engine.stateDir}, control socket ${engine.controlSocket})`);
    },
    onClose: close,
  });
  watchParent(close, args.clientProcessId);
  connection.listen();
  const engine = await enginePromise;
  // Once the engine has vetted the state dir: agent sockets of helpers that died without unlinking theirs (kill -9).
  const staleSockets = removeDeadWindowSockets(engine.stateDir);
  if (staleSockets) log(`removed ${staleSockets} agent socket(s) of helpers that are gone`);
  exit = (reason) => void engine.exit(reason);
  if (closeReason) return exit(closeReason);
})().catch((err: unknown) => {
  // A refused state dir is a sentence for the person, not a stack trace.
  const unsafe = (err as { code?: string } | null)?.code === 'STATE_DIR_UNSAFE';
  process.stderr.write(`MCP Warden's helper failed to start: ${err instanceof Error ? (unsafe ? err.message : err.stack ?? err.message) : String(err)}\n`);
  process.exit(unsafe ? 77 : 1);
});
