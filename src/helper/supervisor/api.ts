// What the supervisor offers to the helper's connections (IPC, control socket) and to the CLI:
// one method per request in src/shared/protocol.ts, plus the events that become notifications.
import type { Disposable } from '../../shared/disposable';
import type {
  CallToolParams,
  CallToolResultJson,
  ConfigReport,
  ConfigureParams,
  HistoryPoint,
  ReapResult,
  ServerSnapshot,
  StopResult,
  WardenEvent,
  WardenSnapshot,
} from '../../shared/protocol';

export type Listener<T> = (value: T) => void;

export interface SupervisorApi extends Disposable {
  /** Fires after every sample and every state change (coalesced by the caller if needed). */
  onSnapshot(listener: Listener<WardenSnapshot>): Disposable;
  onEvent(listener: Listener<WardenEvent>): Disposable;
  /** New stderr lines of one server, batched. */
  onStderr(listener: Listener<{ name: string; lines: string[] }>): Disposable;

  configure(params: ConfigureParams): Promise<ConfigReport>;
  snapshot(): WardenSnapshot;
  start(name: string): Promise<ServerSnapshot>;
  stop(name: string): Promise<StopResult>;
  restart(name: string): Promise<ServerSnapshot>;
  startAll(): Promise<ServerSnapshot[]>;
  stopAll(): Promise<StopResult>;
  callTool(params: CallToolParams): Promise<CallToolResultJson>;
  logs(name: string, maxLines?: number): string[];
  history(name?: string): Record<string, HistoryPoint[]>;
  killOrphans(): Promise<ReapResult>;
  /** One process of a server's tree (a pid the last sample saw there): SIGTERM, then SIGKILL after the grace. */
  killProcess(name: string, pid: number): Promise<{ killed: boolean; signal: 'SIGTERM' | 'SIGKILL' | null }>;
  /** Window close or helper exit: stop every server, verify against the process table, report survivors. */
  shutdown(reason: string): Promise<StopResult>;
}
