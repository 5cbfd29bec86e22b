// The session layer's front door: opens a session for a client of one server, picks its instance by key (name +
// resolved config + the client's roots, or one per client for perClient servers), and forgets both when they end.
// The ways in (the stdio bridge's socket, Streamable HTTP) are thin adapters that feed it messages.
import { createHash } from 'node:crypto';
import { BoundedMap } from '../../shared/bounded';
import { DEFAULT_SESSION_OPTIONS, type ServerSpec } from '../../shared/config';
import { Emitter, type Disposable } from '../../shared/disposable';
import { WardenError } from '../../shared/errors';
import type { Supervisor } from '../supervisor/supervisor';
import type { ClientLink } from './clientLink';
import type { ServerUsage } from '../../shared/protocol';
import { CallStats, clientKey, type ClientRef } from './callStats';
import { Instance, type InstanceHost } from './instance';
import { Session, type SessionHost } from './session';
import { LazyStarts } from '../lazy/lazyStarts';
import { ListCache } from '../lazy/listCache';

/** Client sessions one engine holds at once; one more is refused with a sentence saying so. */
export const MAX_SESSIONS = 256;
export const ROOTS_TIMEOUT_MS = 5000;

export interface SessionManagerOptions {
  supervisor: Supervisor;
  log: (line: string) => void;
  maxSessions?: number;
  /**
   * The daemon's policy: a configured server the session layer started stops when its last client leaves. `run`
   * starts every server itself and keeps them running (a client that comes first must not make it client-owned).
   */
  stopWhenUnused?: boolean;
  /** Where lazy start keeps what servers listed (<state dir>/lazy/); without it every server starts for its first client. */
  stateDir?: string;
}

/** Which servers clients other than sessions (editor windows) want running: set by the engine that has them. */
export interface ServerHolds {
  /** Some window holds it: it keeps running when its last session leaves. */
  isHeld(name: string): boolean;
  /** It was started for a window: it stops when its last session leaves and no window holds it. */
  startedForClients(name: string): boolean;
}

export class SessionManager implements SessionHost, InstanceHost, Disposable {
  readonly supervisor: Supervisor;
  readonly lazy: LazyStarts | undefined;
  private readonly sessions = new Map<number, Session>();
  private readonly instances = new Map<string, Instance>();
  /** Initialize results by config hash: a client with roots is answered without starting the roots-less instance. */
  private readonly initCache = new BoundedMap<string, Record<string, unknown>>(500);
  private readonly changed = new Emitter<void>();
  /** Who calls what, per configured server (bounded; kept after sessions end, so a row shows its history). */
  readonly calls = new CallStats();
  private nextId = 0;
  private readonly maxSessions: number;
  holds: ServerHolds | null = null;
  private disposed = false;

  constructor(private readonly options: SessionManagerOptions) {
    this.supervisor = options.supervisor;
    this.maxSessions = options.maxSessions ?? MAX_SESSIONS;
    this.lazy = options.stateDir ? new LazyStarts(new ListCache(options.stateDir, options.log), options.supervisor, configHash, options.log, !!options.stopWhenUnused) : undefined;
  }

  /** Fires when a session opens or ends (the daemon's idle clock listens). */
  readonly onDidChange = this.changed.event;

  get sessionCount(): number {
    return this.sessions.size;
  }

  log(line: string): void {
    this.options.log(line);
  }

  /** A new client of `serverName`; throws UNKNOWN_SERVER or a cap error the way in reports to the client. */
  open(serverName: string, link: ClientLink): Session {
    if (this.disposed) throw new WardenError('HELPER_UNAVAILABLE', 'MCP Warden is shutting down.');
    const spec = this.configured(serverName);
    if (this.sessions.size >= this.maxSessions) {
      throw new WardenError('CAP_IN_FLIGHT', `MCP Warden already serves ${this.maxSessions} client sessions; close some clients and try again.`, serverName);
    }
    const caps = spec.caps;
    const session = new Session(++this.nextId, serverName, link, this, {
      maxInFlight: (spec.sessions ?? DEFAULT_SESSION_OPTIONS).maxInFlightPerClient,
      requestTimeoutMs: caps.requestTimeoutMs,
      rootsTimeoutMs: ROOTS_TIMEOUT_MS,
    });
    this.sessions.set(session.id, session);
    this.changed.fire();
    return session;
  }

  private configured(serverName: string): ServerSpec {
    const server = this.supervisor.managed(serverName);
    if (!server || server.instanceOf) {
      const known = this.supervisor.snapshot().servers.filter((s) => !s.instanceOf).map((s) => s.name).slice(0, 20).join(', ');
      throw new WardenError('UNKNOWN_SERVER', `No server named "${serverName}" is configured in MCP Warden${known ? ` (configured: ${known})` : ' (none are)'}.`, serverName);
    }
    return server.spec;
  }

  cachedInitialize(serverName: string): Record<string, unknown> | undefined {
    const spec = this.supervisor.managed(serverName)?.spec;
    return spec ? this.initCache.get(configHash(spec)) : undefined;
  }

  async attach(session: Session, roots: string[]): Promise<Instance> {
    const spec = this.configured(session.serverName);
    const hash = configHash(spec);
    const perClient = (spec.sessions ?? DEFAULT_SESSION_OPTIONS).instances === 'perClient';
    // A window's own agent (its sessions carry the window's id) shares the server the window holds, whatever its roots:
    // the window's roots are the workspace its servers were configured for, and a user-level server is one instance for
    // every window (a server that must see each client's roots is marked perClient). Every roots maps to the one key,
    // so to the one Instance: two Instances on one process would each tap its transport, and one would take the other's
    // replies.
    const rootsKey = JSON.stringify(session.link.window ? [] : roots);
    const key = perClient ? `${session.serverName}\0${hash}\0client:${session.id}` : `${session.serverName}\0${hash}\0${rootsKey}`;
    let instance = this.instances.get(key);
    if (!instance) {
      // The configured server itself serves clients without roots; other roots and perClient sessions get an added instance.
      const serverName = perClient
        ? this.supervisor.addInstance(session.serverName, `c${session.id}`).name
        : rootsKey === '[]'
          ? session.serverName
          : this.supervisor.addInstance(session.serverName, createHash('sha256').update(rootsKey).digest('hex').slice(0, 8)).name;
      instance = new Instance(key, serverName, session.serverName, roots, this);
      this.instances.set(key, instance);
    }
    const previous = session.instance;
    if (previous !== instance) {
      instance.attach(session);
      session.rebind(instance);
      previous?.detach(session);
    }
    if (session.state === 'closed') {
      instance.detach(session);
      throw new WardenError('HELPER_UNAVAILABLE', 'The client disconnected.', session.serverName);
    }
    // Cache the initialize result once the instance has run, for clients with roots.
    void instance.initializeResult().then((r) => this.initCache.set(hash, r), () => undefined);
    return instance;
  }

  recordCall(session: Session, tool: string, durationMs: number, error: string | null): void {
    this.calls.record(session.serverName, tool, clientOf(session), durationMs, error);
  }

  /** Clients (live sessions by client name) and call statistics of one configured server, for its snapshot. */
  usage(serverName: string): ServerUsage | undefined {
    const live = new Map<string, number>();
    for (const s of this.sessions.values()) {
      if (s.serverName !== serverName || s.state === 'closed' || s.state === 'new') continue;
      const key = clientKey(clientOf(s));
      live.set(key, (live.get(key) ?? 0) + 1);
    }
    return this.calls.usage(serverName, live);
  }

  ended(session: Session): void {
    if (!this.sessions.delete(session.id)) return;
    session.instance?.detach(session);
    this.changed.fire();
  }

  empty(instance: Instance): void {
    if (this.instances.get(instance.key) !== instance) return;
    this.instances.delete(instance.key);
    this.lazy?.forget(instance);
    // The last client can leave while the server it asked for is still starting (a gateway client that closes right
    // after initialize): decide once that start has settled, or a server started for nobody would run on and keep
    // the daemon from ever going idle.
    const starting = instance.startUnderWay();
    if (starting) void starting.then(() => this.release(instance));
    else this.release(instance);
  }

  /** An emptied instance's process: removed, stopped, or handed to the instance that took its key meanwhile. */
  private release(instance: Instance): void {
    const successor = this.instances.get(instance.key);
    if (successor) {
      // A client came back while the start was under way and has its own Instance on the same process.
      if (instance.startedHere) successor.startedHere = true;
      return;
    }
    if (instance.serverName !== instance.baseName) {
      void this.supervisor.removeInstance(instance.serverName, 'its last client left').catch(() => undefined);
    } else if (this.options.stopWhenUnused && (instance.startedHere || this.holds?.startedForClients(instance.serverName)) && !this.holds?.isHeld(instance.serverName)) {
      // Started for clients, stopped when the last one leaves (unless a window still holds it); a server `run` or a
      // person started keeps running.
      void this.supervisor.stop(instance.serverName).catch(() => undefined);
    }
  }

  /** A live client session of this configured server (directly, or through an instance made of it). */
  inUse(serverName: string): boolean {
    for (const s of this.sessions.values()) if (s.serverName === serverName && s.state !== 'closed') return true;
    return false;
  }

  /** Ends every session a window's agent opened (the window detached); returns how many. */
  closeOwnedBy(owner: string, reason: string): number {
    let n = 0;
    for (const s of [...this.sessions.values()]) {
      if (s.link.window !== owner) continue;
      s.close(reason);
      n++;
    }
    return n;
  }

  /** For leak tests and status: sizes of every map the layer holds, summed over sessions. */
  internalSizes(): Record<string, number> {
    let requests = 0, clientIds = 0, relayed = 0, queued = 0, attached = 0;
    for (const s of this.sessions.values()) {
      const z = s.sizes();
      requests += z.requests;
      clientIds += z.clientIds;
      relayed += z.relayed;
      queued += z.queued;
    }
    for (const i of this.instances.values()) attached += i.sessions.size;
    return { sessions: this.sessions.size, instances: this.instances.size, attached, requests, clientIds, relayed, queued, initCache: this.initCache.size };
  }

  /** Per instance: its process name, its clients (for status and issue 13's "who calls what"). */
  describe(): { server: string; instanceOf: string; roots: string[]; clients: string[] }[] {
    return [...this.instances.values()].map((i) => ({ server: i.serverName, instanceOf: i.baseName, roots: i.roots, clients: [...i.sessions.values()].map((s) => s.label) }));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const s of [...this.sessions.values()]) s.close('MCP Warden is shutting down');
    this.lazy?.dispose();
    this.changed.dispose();
  }
}

/** A client as a person knows it: the name it gave in initialize ("Visual Studio Code"), else its way in. */
function clientName(session: Session): string {
  const name = session.clientInfo.name;
  return typeof name === 'string' && name.trim() ? name.trim().slice(0, 80) : session.label.replace(/\s+\d+$/, '');
}

/** Who the client is for who-calls-what: its name, its way in (the link's first word), the VS Code window it says it is. */
function clientOf(session: Session): ClientRef {
  const via = /^(connect|gateway|http)\b/.exec(session.label)?.[1] ?? null;
  return { name: clientName(session), via, window: session.link.window ?? null };
}

/** The resolved launch config: two entries with the same name but a different command are different instances. */
export function configHash(spec: ServerSpec): string {
  return createHash('sha256').update(JSON.stringify([spec.command, spec.args, spec.env, spec.cwd])).digest('hex').slice(0, 16);
}
