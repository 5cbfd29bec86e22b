// Assembles the engine every entry point runs (the VS Code helper, `mcp-warden run` and `daemon`): state dir, process
// table, containment backend, pid registry (reaping a dead helper's orphans first), supervisor, control socket and cleanup — and, for the
// engines that serve MCP clients, the state dir's lock, the session layer and its ways in (socket, HTTP).
import type { WardenSettings } from '../shared/config';
import { DisposableStore, type Disposable } from '../shared/disposable';
import { WardenError } from '../shared/errors';
import { AttachWindowRequest, SessionsRequest, type HelperEndpoints } from '../shared/protocol';
import { listHelpers } from './control/controlPaths';
import { selectContainment } from './containment/select';
import { startControlServer } from './control/controlServer';
import { acquireEngineLock } from './daemon/engineLock';
import { listenEngineSocket } from './endpoints/engineSocket';
import { createHttpHandler, type BuiltinServer } from './endpoints/httpEndpoint';
import { ensureHttpToken } from './endpoints/httpToken';
import { engineLockPath, engineSocketPath, httpTokenPath } from './endpoints/paths';
import { listenTcp } from './endpoints/tcpListener';
import { SessionManager } from './sessions/sessionManager';
import { installCleanup } from './lifecycle/cleanup';
import { ensureStateDir } from './platform/stateDir';
import { PidRegistry } from './registry/pidRegistry';
import type { RequestHost } from './rpc/requestHost';
import { registerSupervisorHandlers } from './rpc/supervisorHandlers';
import { relayNotifications } from './rpc/notificationRelay';
import { createProcessTable } from './sampling/processTable';
import { Supervisor } from './supervisor/supervisor';
import { loadConfig } from './config/loadConfig';
import { EngineClients, type ConfigClient } from './windows/engineClients';
import { guarded, type HandlerOverrides } from './rpc/supervisorHandlers';

export interface EngineOptions {
  stateDir: string;
  startedBy: 'vscode' | 'cli';
  workspace?: string | null;
  settings?: Partial<WardenSettings>;
  log: (line: string) => void;
  /** Extra handlers for every connection (the memory store). */
  registerExtra?: (host: RequestHost) => Disposable;
  /**
   * Serve MCP clients: take the state dir's engine lock (one such engine per state dir), open the session layer and
   * the engine socket, and with `httpPort` (0: any free port) Streamable HTTP on loopback TCP with the bearer token.
   */
  serveClients?: {
    httpPort?: number | null;
    httpHost?: string;
    /** What the lock names as its holder (`mcp-warden daemon`, `mcp-warden run`). */
    lockCommand: string;
    /** Servers answered in-process at /mcp/NAME (the memory store for VS Code's agent). */
    builtins?: ReadonlyMap<string, () => Promise<BuiltinServer>>;
    /** Stop a configured server the session layer started when its last client leaves (the daemon; see SessionManager). */
    stopWhenUnused?: boolean;
  };
}

/** What Warden's client declares to servers when it relays for MCP clients: they may ask for roots, sampling, elicitation. */
const RELAY_CAPABILITIES = { roots: { listChanged: true }, sampling: {}, elicitation: {} };

export interface Engine {
  supervisor: Supervisor;
  stateDir: string;
  controlSocket: string;
  /** The session layer, for engines that serve MCP clients. */
  sessions: SessionManager | null;
  /** The engine's configuring clients (its own config, each editor window); null for an engine that serves no clients. */
  clients: EngineClients | null;
  endpoints: HelperEndpoints | null;
  /** Wires the protocol (requests + notifications) onto one connection. */
  serve(host: RequestHost, onShutdownRequest?: (reason: string) => void): Disposable;
  /** Stops everything and exits the process. */
  exit(reason: string, code?: number): Promise<void>;
}

export async function startEngine(options: EngineOptions): Promise<Engine> {
  const stateDir = ensureStateDir(options.stateDir);
  const table = createProcessTable();
  const disposables = new DisposableStore();
  // The lock comes first: a second engine on this state dir says who holds it and touches nothing.
  if (options.serveClients) disposables.add(await acquireEngineLock(engineLockPath(stateDir), table, options.serveClients.lockCommand));
  const registry = await PidRegistry.open(stateDir, table);
  // Named by this engine's pid and start time, so parallel engines (and test runs) never share a cgroup.
  const containment = selectContainment({ engineTag: `${registry.owner.pid}-${registry.owner.startTime}` });
  options.log(`containment: ${containment.kind} (${containment.reason})`);
  const supervisor = new Supervisor({
    table,
    registry,
    containment,
    settings: options.settings,
    stateDir,
    clientCapabilities: options.serveClients ? RELAY_CAPABILITIES : undefined,
  });
  let sessions: SessionManager | null = null;
  let clients: EngineClients | null = null;

  const serve = (host: RequestHost, onShutdownRequest?: (reason: string) => void): Disposable => {
    const store = new DisposableStore();
    let overrides: HandlerOverrides = {};
    const engineClients = clients;
    if (engineClients) {
      // Each connection that configures (an editor window above all) is one client of the engine: what it configures is
      // merged with the others', and it is released when the connection closes (window closed, extension host killed).
      let client: ConfigClient | undefined;
      const own = () => (client ??= engineClients.open());
      store.add(
        host.onRequest(AttachWindowRequest.type, (p) =>
          guarded(() => {
            if (client) throw new WardenError('CONFIG_INVALID', 'This connection has already attached or configured; a window attaches first, once.');
            const c = (client = engineClients.open(p?.windowId));
            engineClients.attachWindow(c, p?.label, p?.pid ?? null);
            return { windowId: c.id, enginePid: process.pid };
          }),
        ),
      );
      overrides = {
        configure: (p) => engineClients.configure(own(), p),
        shutdown: (reason) => (client?.window ? engineClients.release(client, reason) : supervisor.shutdown(reason)),
        start: async (name) => {
          if (client) engineClients.holdExplicit(client, name);
          return supervisor.start(name);
        },
        restart: async (name) => {
          if (client) engineClients.holdExplicit(client, name);
          return supervisor.restart(name);
        },
      };
      store.add({ dispose: () => client && void engineClients.release(client, 'its connection closed').catch(() => undefined) });
    }
    store.add(registerSupervisorHandlers(host, supervisor, onShutdownRequest, overrides));
    store.add(relayNotifications(host, supervisor));
    if (options.registerExtra) store.add(options.registerExtra(host));
    store.add(
      host.onRequest(SessionsRequest.type, () => {
        // Leak tests start the engine with --expose-gc, so the heap figure is live data, not garbage not yet collected.
        (globalThis as { gc?: () => void }).gc?.();
        return sessions
          ? { sizes: sessions.internalSizes(), instances: sessions.describe(), activeResources: process.getActiveResourcesInfo().length, heapUsedBytes: process.memoryUsage().heapUsed }
          : null;
      }),
    );
    return store;
  };

  const cleanup = installCleanup(
    {
      shutdown: (reason) => {
        sessions?.dispose();
        return supervisor.shutdown(reason);
      },
      killEverything: () => supervisor.killEverythingNow(),
      dispose: () => {
        disposables.dispose();
        supervisor.dispose();
        registry.dispose();
        containment.dispose();
      },
    },
    options.log,
  );
  disposables.add(cleanup);

  // Orphans of a helper that died (kill -9, power loss) are reaped before anything new starts.
  const reaped = await supervisor.killOrphans();
  if (reaped.reaped) options.log(`reaped ${reaped.reaped} orphaned process(es) of an earlier helper`);
  // A registry file that was not acted on (another user's, a symlink) is said where the person starting us sees it.
  for (const w of reaped.warnings ?? []) options.log(w);

  // Pointers and control sockets of helpers that died are removed on the way.
  listHelpers(stateDir);

  let endpoints: HelperEndpoints | null = null;
  if (options.serveClients) {
    const manager = (sessions = disposables.add(
      new SessionManager({ supervisor, log: options.log, stateDir, stopWhenUnused: options.serveClients.stopWhenUnused }),
    ));
    const tokenFile = httpTokenPath(stateDir);
    const wantTcp = options.serveClients.httpPort !== undefined && options.serveClients.httpPort !== null;
    const token = wantTcp ? ensureHttpToken(tokenFile, options.log) : null;
    const http = disposables.add(createHttpHandler(manager, { token: () => token, log: options.log, builtins: options.serveClients.builtins }));
    const socket = disposables.add(await listenEngineSocket(engineSocketPath(stateDir), manager, http, options.log));
    let httpUrl: string | null = null;
    if (wantTcp) {
      const tcp = disposables.add(await listenTcp(options.serveClients.httpHost ?? '127.0.0.1', options.serveClients.httpPort!, http));
      httpUrl = tcp.url;
    }
    endpoints = { unixSocket: socket.path, http: httpUrl, tokenFile: wantTcp ? tokenFile : null };
    const builtinNames = [...(options.serveClients.builtins?.keys() ?? [])];
    if (builtinNames.length) endpoints.builtins = builtinNames;
    supervisor.endpoints = endpoints;
    supervisor.usage = (name) => manager.usage(name);
    {
      const engineClients = (clients = new EngineClients({
        configure: (p, startOnly) => supervisor.configure(p, startOnly),
        stop: (name) => supervisor.stop(name),
        isLive: (name) => supervisor.managed(name)?.isLive ?? false,
        inUse: (name) => manager.inUse(name),
        closeSessionsOf: (windowId, reason) => {
          const n = http.closeOwnedBy(windowId, reason) + manager.closeOwnedBy(windowId, reason);
          if (n) options.log(`ended ${n} MCP session(s) of a window that closed`);
        },
        load: (p) => {
          const loaded = loadConfig(p);
          return { names: loaded.servers.map((s) => s.spec.name), problems: loaded.problems };
        },
        stopWhenUnused: !!options.serveClients.stopWhenUnused,
        log: options.log,
      }));
      manager.holds = engineClients;
      if (manager.lazy) manager.lazy.held = (name) => engineClients.isHeld(name);
      supervisor.windows = () => engineClients.windows();
    }
  }

  // Last: a connection that arrives now finds the session layer and the engine's clients in place.
  const control = await startControlServer(stateDir, { startedBy: options.startedBy, workspace: options.workspace ?? null }, (host) => serve(host));
  disposables.add(control);
  supervisor.controlSocket = control.path;

  return { supervisor, stateDir, controlSocket: control.path, sessions, clients, endpoints, serve, exit: (reason, code) => cleanup.run(reason, code) };
}
