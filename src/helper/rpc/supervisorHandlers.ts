// Wires every supervisor request of the shared protocol to the SupervisorApi, for any connection (IPC or control socket).
import { DisposableStore, type Disposable } from '../../shared/disposable';
import { toResponseError } from '../../shared/errors';
import {
  CallToolRequest,
  ConfigureRequest,
  HistoryRequest,
  KillOrphansRequest,
  KillProcessRequest,
  LogsRequest,
  RestartServerRequest,
  ShutdownRequest,
  SnapshotRequest,
  StartAllRequest,
  StartServerRequest,
  StopAllRequest,
  StopServerRequest,
} from '../../shared/protocol';
import type { SupervisorApi } from '../supervisor/api';
import type { RequestHost } from './requestHost';

/** Runs a handler and turns anything it throws into a ResponseError that keeps the WardenError code. */
export async function guarded<R>(fn: () => R | Promise<R>): Promise<R> {
  try {
    return await fn();
  } catch (err) {
    throw toResponseError(err);
  }
}

/** Per-connection replacements (the per-user engine: a window's configure adds to the others', its shutdown detaches it). */
export type HandlerOverrides = Partial<Pick<SupervisorApi, 'configure' | 'shutdown' | 'start' | 'restart'>>;

export function registerSupervisorHandlers(host: RequestHost, api: SupervisorApi, onShutdownRequest?: (reason: string) => void, overrides: HandlerOverrides = {}): Disposable {
  const store = new DisposableStore();
  const supervisor: SupervisorApi = {
    ...bindAll(api),
    ...overrides,
  };
  store.add(host.onRequest(ConfigureRequest.type, (p) => guarded(() => supervisor.configure(p))));
  store.add(host.onRequest(SnapshotRequest.type, () => guarded(() => supervisor.snapshot())));
  store.add(host.onRequest(StartServerRequest.type, (p) => guarded(() => supervisor.start(p.name))));
  store.add(host.onRequest(StopServerRequest.type, (p) => guarded(() => supervisor.stop(p.name))));
  store.add(host.onRequest(RestartServerRequest.type, (p) => guarded(() => supervisor.restart(p.name))));
  store.add(host.onRequest(StartAllRequest.type, () => guarded(() => supervisor.startAll())));
  store.add(host.onRequest(StopAllRequest.type, () => guarded(() => supervisor.stopAll())));
  store.add(host.onRequest(CallToolRequest.type, (p) => guarded(() => supervisor.callTool(p))));
  store.add(host.onRequest(LogsRequest.type, (p) => guarded(() => ({ lines: supervisor.logs(p.name, p.maxLines) }))));
  store.add(host.onRequest(HistoryRequest.type, (p) => guarded(() => supervisor.history(p.name))));
  store.add(host.onRequest(KillOrphansRequest.type, () => guarded(() => supervisor.killOrphans())));
  store.add(host.onRequest(KillProcessRequest.type, (p) => guarded(() => supervisor.killProcess(p.name, p.pid))));
  store.add(
    host.onRequest(ShutdownRequest.type, (p) =>
      guarded(async () => {
        const result = await supervisor.shutdown(p.reason);
        onShutdownRequest?.(p.reason);
        return result;
      }),
    ),
  );
  return store;
}

/** The api's methods bound to it, as a plain object that overrides can be spread over. */
function bindAll(api: SupervisorApi): SupervisorApi {
  const out: Record<string, unknown> = {};
  for (const key of ['configure', 'snapshot', 'start', 'stop', 'restart', 'startAll', 'stopAll', 'callTool', 'logs', 'history', 'killOrphans', 'killProcess', 'shutdown'] as const) {
    const f = api[key] as unknown;
    out[key] = typeof f === 'function' ? (f as (...a: unknown[]) => unknown).bind(api) : f;
  }
  return out as unknown as SupervisorApi;
}
