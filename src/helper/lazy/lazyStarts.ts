// Lazy start for the session layer: a server that has run once is answered from its cached initialize result and
// lists (listCache.ts) without spawning; the first request that needs it starts it (through the instance, as
// before); each start refreshes the cache and, when a list changed, tells the clients (list_changed); a server the
// session layer started stops after idleStopSec without requests and with no resource subscription held.
import type { ServerSpec } from '../../shared/config';
import { DEFAULT_SESSION_OPTIONS } from '../../shared/config';
import type { Disposable } from '../../shared/disposable';
import type { RawChannel } from '../mcp/tapTransport';
import type { Instance } from '../sessions/instance';
import { isNotification, isResponse, type Message, type Request, type Response } from '../sessions/jsonrpc';
import type { Supervisor } from '../supervisor/supervisor';
import { ListCache, type CacheEntry, type ListKind } from './listCache';

export const DEFAULT_IDLE_STOP_SEC = 600;
const ID_PREFIX = 'w:lazy:';
const MAX_PAGES = 20;
const LIST_TIMEOUT_MS = 15_000;
/** Resource subscriptions one instance tracks (beyond that it simply never idles out). */
const MAX_SUBSCRIPTIONS = 1000;
const REFRESH_DEBOUNCE_MS = 100;

const KINDS: { kind: ListKind; method: string; field: string; capability: string; changed: string }[] = [
  { kind: 'tools', method: 'tools/list', field: 'tools', capability: 'tools', changed: 'notifications/tools/list_changed' },
  { kind: 'prompts', method: 'prompts/list', field: 'prompts', capability: 'prompts', changed: 'notifications/prompts/list_changed' },
  { kind: 'resources', method: 'resources/list', field: 'resources', capability: 'resources', changed: 'notifications/resources/list_changed' },
  { kind: 'resourceTemplates', method: 'resources/templates/list', field: 'resourceTemplates', capability: 'resources', changed: 'notifications/resources/list_changed' },
];

interface InstanceState {
  idleTimer: NodeJS.Timeout | undefined;
  subscriptions: Set<string>;
  refreshing: Promise<void> | undefined;
  refreshTimer: NodeJS.Timeout | undefined;
}

export class LazyStarts implements Disposable {
  private readonly states = new Map<Instance, InstanceState>();
  /** Channels (server starts) whose lists were read: a new client of a running server costs no list round. */
  private readonly refreshed = new WeakSet<RawChannel>();
  private readonly pending = new Map<string, { resolve(m: Response): void; timer: NodeJS.Timeout }>();
  private nextId = 0;
  private disposed = false;
  /** Servers an editor window holds (set by the per-user engine): never idle-stopped while held. */
  held: ((name: string) => boolean) | null = null;

  constructor(
    readonly cache: ListCache,
    private readonly supervisor: Supervisor,
    private readonly hashOf: (spec: ServerSpec) => string,
    private readonly log: (line: string) => void,
    /** The daemon stops idle servers it started; `run` keeps its servers running. */
    private readonly idleStops: boolean,
  ) {}

  private spec(instance: Instance): ServerSpec | undefined {
    return this.supervisor.managed(instance.serverName)?.spec;
  }

  private lazy(spec: ServerSpec): boolean {
    return (spec.sessions ?? DEFAULT_SESSION_OPTIONS).lazy !== false;
  }

  private state(instance: Instance): InstanceState {
    let s = this.states.get(instance);
    if (!s) this.states.set(instance, (s = { idleTimer: undefined, subscriptions: new Set(), refreshing: undefined, refreshTimer: undefined }));
    return s;
  }

  private running(instance: Instance): boolean {
    return this.supervisor.managed(instance.serverName)?.raw !== undefined;
  }

  private entry(instance: Instance): CacheEntry | undefined {
    const spec = this.spec(instance);
    if (!spec || !this.lazy(spec) || this.running(instance)) return undefined;
    return this.cache.get(this.hashOf(spec));
  }

  /** The initialize result without starting the server, when it is lazy, not running, and has run before. */
  cachedInitialize(instance: Instance): Record<string, unknown> | undefined {
    const entry = this.entry(instance);
    // A client answered from the cache will likely call soon: a spare launcher takes one Node start off that call.
    if (entry) this.supervisor.prewarmLauncher();
    return entry?.initialize;
  }

  /** A list request answered from the cache (first page only: the cache holds every page joined), or undefined. */
  cachedAnswer(instance: Instance, m: Request): unknown {
    const k = KINDS.find((x) => x.method === m.method);
    if (!k || m.params?.cursor !== undefined) return undefined;
    const entry = this.entry(instance);
    if (!entry) return undefined;
    this.supervisor.prewarmLauncher();
    const listed = entry.lists[k.kind];
    if (listed) return listed;
    // A kind the server does not offer: nothing to list, and nothing worth a start.
    return (entry.initialize.capabilities as Record<string, unknown> | undefined)?.[k.capability] ? undefined : { [k.field]: [] };
  }

  /** A request going to the running server: subscriptions are counted, and the idle clock starts again. */
  used(instance: Instance, m: Request): void {
    const s = this.state(instance);
    const uri = typeof m.params?.uri === 'string' ? m.params.uri : undefined;
    if (m.method === 'resources/subscribe' && uri && s.subscriptions.size < MAX_SUBSCRIPTIONS) s.subscriptions.add(uri);
    if (m.method === 'resources/unsubscribe' && uri) s.subscriptions.delete(uri);
    this.armIdle(instance);
  }

  private armIdle(instance: Instance): void {
    const spec = this.spec(instance);
    if (!spec || this.disposed) return;
    const s = this.state(instance);
    if (s.idleTimer) clearTimeout(s.idleTimer);
    const idleMs = ((spec.sessions ?? DEFAULT_SESSION_OPTIONS).idleStopSec ?? DEFAULT_IDLE_STOP_SEC) * 1000;
    s.idleTimer = setTimeout(() => this.idle(instance), idleMs);
    s.idleTimer.unref?.();
  }

  private idle(instance: Instance): void {
    const s = this.states.get(instance);
    if (!s) return;
    s.idleTimer = undefined;
    // Only what the session layer started stops here: a server `run` or a person started keeps running.
    if (!this.idleStops || !instance.startedHere || !this.running(instance)) return;
    // A server an editor window holds runs while the window is open, used or not (as it would under that window alone).
    if (instance.inFlight() > 0 || s.subscriptions.size > 0 || this.held?.(instance.serverName)) return this.armIdle(instance);
    const idleStopSec = (this.spec(instance)?.sessions ?? DEFAULT_SESSION_OPTIONS).idleStopSec ?? DEFAULT_IDLE_STOP_SEC;
    this.log(`\`${instance.serverName}\` had no requests for ${idleStopSec} s; stopping it (the next request starts it again)`);
    void this.supervisor.stop(instance.serverName).catch(() => undefined);
    // Its clients are still connected, and their next call starts it again.
    this.supervisor.prewarmLauncher();
  }

  /** The instance bound a running server: read its lists into the cache; a list that changed is announced. */
  bound(instance: Instance, raw: RawChannel): void {
    this.armIdle(instance);
    if (this.refreshed.has(raw)) return;
    this.refreshed.add(raw);
    this.scheduleRefresh(instance, raw, 0);
  }

  /** A raw message from the server: true when it answers one of ours. A list change refreshes the cache. */
  fromServer(instance: Instance, raw: RawChannel, m: Message): boolean {
    if (isResponse(m) && typeof m.id === 'string' && m.id.startsWith(ID_PREFIX)) {
      const p = this.pending.get(m.id);
      if (p) {
        this.pending.delete(m.id);
        clearTimeout(p.timer);
        p.resolve(m);
      }
      return true;
    }
    if (isNotification(m) && KINDS.some((k) => k.changed === m.method)) this.scheduleRefresh(instance, raw, REFRESH_DEBOUNCE_MS, true);
    return false;
  }

  private scheduleRefresh(instance: Instance, raw: RawChannel, delayMs: number, serverAnnounced = false): void {
    const s = this.state(instance);
    if (s.refreshTimer || this.disposed) return;
    s.refreshTimer = setTimeout(() => {
      s.refreshTimer = undefined;
      if (s.refreshing) return;
      s.refreshing = this.refresh(instance, raw, serverAnnounced)
        .catch((err: unknown) => this.log(`lazy start: could not read \`${instance.serverName}\`'s lists: ${(err as Error).message}`))
        .finally(() => (s.refreshing = undefined));
    }, delayMs);
    s.refreshTimer.unref?.();
  }

  private async refresh(instance: Instance, raw: RawChannel, serverAnnounced: boolean): Promise<void> {
    const spec = this.spec(instance);
    const initialize = raw.initializeResult;
    if (!spec || !initialize || !this.lazy(spec)) return;
    const hash = this.hashOf(spec);
    const capabilities = (initialize.capabilities ?? {}) as Record<string, unknown>;
    const lists: CacheEntry['lists'] = {};
    for (const k of KINDS) {
      if (!capabilities[k.capability]) continue;
      const items: unknown[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const r = await this.ask(raw, k.method, cursor);
        if (r.error) {
          if (k.kind === 'resourceTemplates') break; // optional for servers with resources
          throw new Error(`${k.method}: ${r.error.message}`);
        }
        const result = (r.result ?? {}) as Record<string, unknown>;
        if (Array.isArray(result[k.field])) items.push(...(result[k.field] as unknown[]));
        cursor = typeof result.nextCursor === 'string' ? result.nextCursor : undefined;
        if (!cursor) break;
      }
      lists[k.kind] = { [k.field]: items };
    }
    if (this.disposed) return;
    const before = this.cache.get(hash);
    if (before && JSON.stringify(before.initialize) === JSON.stringify(initialize) && JSON.stringify(before.lists) === JSON.stringify(lists)) return;
    this.cache.set(hash, { server: instance.baseName, savedAt: Date.now(), initialize, lists });
    // Clients answered from the old cache hear of a change (a server's own announcement already reached them).
    if (!before || serverAnnounced) return;
    const sent = new Set<string>();
    for (const k of KINDS) {
      if (JSON.stringify(before.lists[k.kind] ?? null) === JSON.stringify(lists[k.kind] ?? null) || sent.has(k.changed)) continue;
      sent.add(k.changed);
      this.log(`\`${instance.baseName}\`'s ${k.field} changed since it last ran; the cache is updated and clients are told`);
      for (const session of instance.sessions.values()) session.deliverBroadcast({ jsonrpc: '2.0', method: k.changed });
    }
  }

  private ask(raw: RawChannel, method: string, cursor: string | undefined): Promise<Response> {
    const id = `${ID_PREFIX}${++this.nextId}`;
    return new Promise<Response>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method} got no answer within ${LIST_TIMEOUT_MS} ms`));
      }, LIST_TIMEOUT_MS);
      timer.unref?.();
      this.pending.set(id, { resolve, timer });
      raw.send({ jsonrpc: '2.0', id, method, ...(cursor ? { params: { cursor } } : {}) } as Message).catch((err: unknown) => {
        this.pending.delete(id);
        clearTimeout(timer);
        reject(err as Error);
      });
    });
  }

  /** The instance is gone: its timers and subscriptions with it. */
  forget(instance: Instance): void {
    const spec = this.spec(instance);
    // The daemon stops what its last client leaves: the next client's first call would start it again.
    if (this.idleStops && spec && this.lazy(spec)) this.supervisor.prewarmLauncher();
    const s = this.states.get(instance);
    if (!s) return;
    if (s.idleTimer) clearTimeout(s.idleTimer);
    if (s.refreshTimer) clearTimeout(s.refreshTimer);
    this.states.delete(instance);
  }

  /** For leak tests. */
  sizes(): { lazyInstances: number; lazyPending: number } {
    return { lazyInstances: this.states.size, lazyPending: this.pending.size };
  }

  dispose(): void {
    this.disposed = true;
    for (const i of [...this.states.keys()]) this.forget(i);
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
  }
}
