// The clients of the per-user engine that configure servers: the engine's own config (its --config files and Warden's
// user config) and each connection that sends ConfigureRequest — an editor window above all. Each one's servers are
// merged into the supervisor's one configuration; the servers a client wants running are held by it; when it leaves
// (its connection closed, or ShutdownRequest), its HTTP sessions end, its own servers go, and a server no remaining
// client holds and no session uses stops — all at once, so the whole release takes one shutdown grace.
import { randomUUID } from 'node:crypto';
import type { ConfigProblem } from '../../shared/config';
import { WardenError } from '../../shared/errors';
import type { ConfigReport, ConfigureParams, ProcessInfo, StopResult, WindowInfo } from '../../shared/protocol';
import { mergeConfigParams } from './mergeConfig';

/** Clients (windows, control connections that configure) at once; one more is refused with a sentence. */
export const MAX_CONFIG_CLIENTS = 64;
/** What the HTTP endpoint accepts as a window id in X-MCP-Warden-Window (see windowOf in httpEndpoint.ts). */
const WINDOW_ID = /^[A-Za-z0-9-]{1,64}$/;
/** Servers one client may hold by an explicit start beyond its own configuration (bounded like everything else). */
const MAX_EXPLICIT_HOLDS = 500;

/** What EngineClients needs of the engine: the supervisor, the session layer and the config loader, as plain calls. */
export interface ClientsHost {
  /** The supervisor's configure: with autoStart, only `startOnly` is started. */
  configure(params: ConfigureParams, startOnly: ReadonlySet<string>): Promise<ConfigReport>;
  stop(name: string): Promise<StopResult>;
  isLive(name: string): boolean;
  /** A client session (connect, gateway, HTTP) uses the server now. */
  inUse(name: string): boolean;
  /** Ends the MCP sessions tied to a window (its agent's HTTP sessions, by WINDOW_HEADER). */
  closeSessionsOf(windowId: string, reason: string): void;
  /** The names a configuration defines and its problems (loadConfig, without starting anything). */
  load(params: ConfigureParams): { names: string[]; problems: ConfigProblem[] };
  /** The daemon's policy: a server a client needed stops when no client needs it any more. */
  stopWhenUnused: boolean;
  log(line: string): void;
}

export class ConfigClient {
  params: ConfigureParams | null = null;
  /** The servers its configuration defines (its own view: the report it gets back lists these). */
  names = new Set<string>();
  /** The servers it wants running: its auto-started ones and the ones it started by hand. */
  holds = new Set<string>();
  readonly explicit = new Set<string>();
  problems: ConfigProblem[] = [];
  window: WindowInfo | null = null;
  released = false;
  constructor(readonly id: string) {}
}

export class EngineClients {
  private base: ConfigClient | null = null;
  private readonly clients = new Map<string, ConfigClient>();
  /** Servers this engine started because a client held them: stopped again when none does (run's own stay). */
  private readonly startedByHold = new Set<string>();
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly host: ClientsHost) {}

  /** A new client (one per connection, made when it first configures or attaches); `id`: a window's own id. */
  open(id?: string): ConfigClient {
    if (this.clients.size >= MAX_CONFIG_CLIENTS) {
      throw new WardenError('CAP_IN_FLIGHT', `MCP Warden's engine already serves ${MAX_CONFIG_CLIENTS} windows and configuring connections; close some windows and try again.`);
    }
    if (id !== undefined && (!WINDOW_ID.test(id) || this.clients.has(id))) {
      throw new WardenError('CONFIG_INVALID', `A window id must be 1-64 letters, digits or dashes, not attached already (got ${JSON.stringify(String(id).slice(0, 80))}).`);
    }
    const client = new ConfigClient(id ?? randomUUID());
    this.clients.set(client.id, client);
    return client;
  }

  attachWindow(client: ConfigClient, label: string, pid: number | null): WindowInfo {
    client.window = { id: client.id, label: String(label ?? '').slice(0, 120) || 'window', pid: Number.isInteger(pid) && pid! > 0 ? pid : null, attachedAt: Date.now() };
    this.host.log(`window attached: ${client.window.label} (extension host ${client.window.pid ?? '?'}, ${this.windowCount} window(s))`);
    return client.window;
  }

  get windowCount(): number {
    let n = 0;
    for (const c of this.clients.values()) if (c.window) n++;
    return n;
  }

  windows(): WindowInfo[] {
    return [...this.clients.values()].flatMap((c) => (c.window ? [c.window] : []));
  }

  /** A server some client wants running: the session layer does not stop it when its last session leaves. */
  isHeld(name: string): boolean {
    if (this.base?.holds.has(name)) return true;
    for (const c of this.clients.values()) if (c.holds.has(name)) return true;
    return false;
  }

  /** Started because a client held it (not by `run` itself): stopped when nobody holds or uses it. */
  startedForClients(name: string): boolean {
    return this.startedByHold.has(name);
  }

  /** The engine's own configuration (`run`'s or the daemon's files); autoStart holds every server in it. */
  setBase(params: ConfigureParams): Promise<ConfigReport> {
    this.base ??= new ConfigClient('engine');
    const base = this.base;
    base.params = params;
    return this.serial(async () => (await this.apply()).report);
  }

  /** One client's configuration; it gets back the report of its own servers (their state is the merged one's). */
  configure(client: ConfigClient, params: ConfigureParams): Promise<ConfigReport> {
    if (client.released) return Promise.reject(new WardenError('HELPER_UNAVAILABLE', 'This connection has already detached from the engine.'));
    client.params = params;
    return this.serial(async () => {
      const { report } = await this.apply();
      const servers = report.servers.filter((s) => client.names.has(s.name));
      return { servers, problems: client.problems };
    });
  }

  /** A server a client started by hand (Start, Restart) is held by it like its auto-started ones. */
  holdExplicit(client: ConfigClient, name: string): void {
    if (client.released || client.explicit.size >= MAX_EXPLICIT_HOLDS) return;
    client.explicit.add(name);
    client.holds.add(name);
    this.startedByHold.add(name);
  }

  /**
   * The client leaves. Its window's MCP sessions end first; then the servers it held that no other client holds and no
   * session uses are stopped together (in parallel: one grace for all, not one each), and the configuration is applied
   * again without its files. Idempotent.
   */
  release(client: ConfigClient, reason: string): Promise<StopResult> {
    if (client.released) return Promise.resolve({ stopped: [], survivors: [] });
    client.released = true;
    // At once, not behind a configure in progress: the same window may attach again (a reconnect) with the same id, and
    // its new sessions must not be the ones ended here.
    this.clients.delete(client.id);
    if (client.window) {
      this.host.closeSessionsOf(client.id, `its window closed (${reason})`);
      this.host.log(`window detached: ${client.window.label} (${reason}; ${this.windowCount} window(s) left)`);
    }
    return this.serial(async () => {
      const remaining = [...(this.base ? [this.base] : []), ...this.clients.values()];
      const stillHeld = new Set(remaining.flatMap((c) => [...c.holds]));
      const stillNamed = new Set(remaining.flatMap((c) => [...c.names]));
      const candidates = new Set([...client.holds, ...client.names]);
      const stop = [...candidates].filter(
        (name) =>
          !stillHeld.has(name) &&
          !this.host.inUse(name) &&
          this.host.isLive(name) &&
          (!stillNamed.has(name) || this.host.stopWhenUnused || this.startedByHold.has(name)),
      );
      const results = await Promise.all(
        stop.map((name) =>
          this.host.stop(name).then(
            (r) => r.survivors,
            (err: unknown) => {
              this.host.log(`stopping \`${name}\` after ${reason} failed: ${WardenError.from(err).message}`);
              return [] as ProcessInfo[];
            },
          ),
        ),
      );
      for (const name of stop) this.startedByHold.delete(name);
      await this.apply().catch((err: unknown) => this.host.log(`configuration after a client left failed: ${WardenError.from(err).message}`));
      return { stopped: stop, survivors: results.flat() };
    });
  }

  /** Runs one configuration change at a time (the supervisor's configure awaits stops and starts). */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Merges every client's configuration and runs it: the held servers start, the others are only listed. */
  private async apply(): Promise<{ report: ConfigReport }> {
    const all = [...(this.base ? [this.base] : []), ...this.clients.values()].filter((c) => c.params);
    for (const c of all) {
      const loaded = this.host.load(c.params!);
      c.names = new Set(loaded.names);
      c.problems = loaded.problems;
      c.holds = new Set([...(c.params!.autoStart ? loaded.names : []), ...c.explicit]);
    }
    const held = new Set(all.flatMap((c) => [...c.holds]));
    const named = new Set(all.flatMap((c) => [...c.names]));
    const merged = mergeConfigParams(all.map((c) => c.params!));
    const report = await this.host.configure({ ...merged, autoStart: held.size > 0 }, held);
    // What was started for a client (the engine's own `run` servers stay as run keeps them).
    const own = this.base && this.base.params?.autoStart ? this.base.holds : new Set<string>();
    for (const name of held) if (!own.has(name) && this.host.isLive(name)) this.startedByHold.add(name);
    for (const name of [...this.startedByHold]) if (!named.has(name)) this.startedByHold.delete(name);
    return { report };
  }
}
