// Assembles the engine both entry points run (the VS Code helper and `mcp-warden run`): state dir, process
// table, pid registry (reaping a dead helper's orphans first), supervisor, control socket and cleanup.
import type { WardenSettings } from '../shared/config';
import { DisposableStore, type Disposable } from '../shared/disposable';
import { startControlServer } from './control/controlServer';
import { installCleanup } from './lifecycle/cleanup';
import { ensureStateDir } from './platform/stateDir';
import { PidRegistry } from './registry/pidRegistry';
import type { RequestHost } from './rpc/requestHost';
import { registerSupervisorHandlers } from './rpc/supervisorHandlers';
import { relayNotifications } from './rpc/notificationRelay';
import { createProcessTable } from './sampling/processTable';
import { Supervisor } from './supervisor/supervisor';

export interface EngineOptions {
  stateDir: string;
  startedBy: 'vscode' | 'cli';
  workspace?: string | null;
  settings?: Partial<WardenSettings>;
  log: (line: string) => void;
  /** Extra handlers for every connection (the memory store). */
  registerExtra?: (host: RequestHost) => Disposable;
}

export interface Engine {
  supervisor: Supervisor;
  stateDir: string;
  controlSocket: string;
  /** Wires the protocol (requests + notifications) onto one connection. */
  serve(host: RequestHost, onShutdownRequest?: (reason: string) => void): Disposable;
  /** Stops everything and exits the process. */
  exit(reason: string, code?: number): Promise<void>;
}

export async function startEngine(options: EngineOptions): Promise<Engine> {
  const stateDir = ensureStateDir(options.stateDir);
  const table = createProcessTable();
  const registry = await PidRegistry.open(stateDir, table);
  const supervisor = new Supervisor({ table, registry, settings: options.settings, stateDir });
  const disposables = new DisposableStore();

  const serve = (host: RequestHost, onShutdownRequest?: (reason: string) => void): Disposable => {
    const store = new DisposableStore();
    store.add(registerSupervisorHandlers(host, supervisor, onShutdownRequest));
    store.add(relayNotifications(host, supervisor));
    if (options.registerExtra) store.add(options.registerExtra(host));
    return store;
  };

  const cleanup = installCleanup(
    {
      shutdown: (reason) => supervisor.shutdown(reason),
      killEverything: () => supervisor.killEverythingNow(),
      dispose: () => {
        disposables.dispose();
        supervisor.dispose();
        registry.dispose();
      },
    },
    options.log,
  );
  disposables.add(cleanup);

  // Orphans of a helper that died (kill -9, power loss) are reaped before anything new starts.
  const reaped = await supervisor.killOrphans();
  if (reaped.reaped) options.log(`reaped ${reaped.reaped} orphaned process(es) of an earlier helper`);

  const control = await startControlServer(stateDir, { startedBy: options.startedBy, workspace: options.workspace ?? null }, (host) => serve(host));
  disposables.add(control);
  supervisor.controlSocket = control.path;

  return { supervisor, stateDir, controlSocket: control.path, serve, exit: (reason, code) => cleanup.run(reason, code) };
}
