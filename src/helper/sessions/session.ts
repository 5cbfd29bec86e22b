// One client's connection to one server through Warden: its capabilities and roots, and — shaped like the SDK's
// Protocol class — bounded maps of everything in flight: its requests by upstream id (with its own id and progress
// token), its ids back to upstream ids for cancellation, and the server's requests it is answering. close() settles all.
import { SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import { WardenError } from '../../shared/errors';
import type { ClientLink } from './clientLink';
import type { Instance } from './instance';
import {
  isNotification,
  isRequest,
  isResponse,
  METHOD_NOT_FOUND,
  rpcError,
  upstreamId,
  wardenError,
  type Id,
  type Message,
  type Notification,
  type Request,
  type Response,
} from './jsonrpc';

/** What a session needs from the manager: finding its instance, and being forgotten. */
export interface SessionHost {
  /** The instance for this session's key, attached; may start the server. */
  attach(session: Session, roots: string[]): Promise<Instance>;
  /** The cached initialize result of this session's server config, if any instance of it has run. */
  cachedInitialize(serverName: string): Record<string, unknown> | undefined;
  ended(session: Session): void;
  log(line: string): void;
  /** One tools/call settled (who calls what): `error` null for a result that is not an error. */
  recordCall?(session: Session, tool: string, durationMs: number, error: string | null): void;
}

export interface SessionLimits {
  maxInFlight: number;
  requestTimeoutMs: number;
  /** How long a client may take to answer Warden's roots/list. */
  rootsTimeoutMs: number;
}

/** Orders requests across sessions (a server request goes to the client whose request is oldest). */
let requestSeq = 0;

export interface PendingRequest {
  seq: number;
  clientId: Id;
  clientToken: string | number | undefined;
  method: string;
  instance: Instance;
  timer: NodeJS.Timeout;
  /** For tools/call: the tool and when it was sent (performance.now()), for the call statistics. */
  tool?: string;
  startedAt?: number;
}

interface RelayedServerRequest {
  /** The server's own id, to answer it upstream. */
  upstream: Id;
  instance: Instance;
  /** The client's request in flight when the server asked (HTTP puts the request on its stream). */
  related: Id | undefined;
}

/** Messages a client may send before its session has an instance (after initialize, before roots are known). */
const MAX_QUEUED = 32;
/** Server requests one client may be answering at once; more are refused upstream. */
const MAX_RELAYED = 16;
const ROOTS_REQUEST_ID = 'w:roots';

export class Session {
  state: 'new' | 'initializing' | 'ready' | 'closed' = 'new';
  clientCapabilities: Record<string, unknown> = {};
  clientInfo: { name?: string; version?: string } = {};
  roots: string[] | null = null;
  instance: Instance | undefined;
  /** Upstream id (also the upstream progress token) → the client's request. */
  readonly requests = new Map<string, PendingRequest>();
  /** The client's id (as JSON) → upstream id, for notifications/cancelled. */
  readonly clientIds = new Map<string, string>();
  /** Downstream id → the server's request this client is answering. */
  readonly relayed = new Map<number, RelayedServerRequest>();
  private queue: Message[] = [];
  private nextUpstream = 0;
  private nextDownstream = 0;
  private initializedSeen = false;
  private rootsAsked = false;
  private rootsWaiter: { resolve: (roots: string[] | null) => void; timer: NodeJS.Timeout } | undefined;
  /** A roots change is being followed (rootsChanged); another arriving meanwhile is followed after it. */
  private moving = false;
  private rootsDirty = false;
  private drainWaiter: (() => void) | undefined;
  readonly openedAt = Date.now();
  lastActivity = Date.now();

  constructor(
    readonly id: number,
    readonly serverName: string,
    readonly link: ClientLink,
    private readonly host: SessionHost,
    private readonly limits: SessionLimits,
  ) {}

  /** The state re-read after an await (TypeScript narrows the field as if nothing could change it meanwhile). */
  private get closed(): boolean {
    return this.state === 'closed';
  }

  get label(): string {
    return this.link.label;
  }

  get inFlight(): number {
    return this.requests.size;
  }

  /** The client's oldest request still in flight (the one a server request is most likely made for). */
  oldestRequest(): PendingRequest | undefined {
    return this.requests.values().next().value;
  }

  // --- from the client ----------------------------------------------------------------------------

  receive(m: Message): void {
    if (this.state === 'closed') return;
    this.lastActivity = Date.now();
    if (isRequest(m)) return this.onRequest(m);
    if (isResponse(m)) return this.onResponse(m);
    if (isNotification(m)) return this.onNotification(m);
  }

  private onRequest(m: Request): void {
    if (m.method === 'initialize') return void this.initialize(m);
    // Warden is the other end of this connection: it answers the client's liveness check itself.
    if (m.method === 'ping') return this.link.send({ jsonrpc: '2.0', id: m.id, result: {} } as Message, m.id);
    if (this.state === 'new') return this.link.send(rpcError(m.id, -32002, 'The session is not initialized: send initialize first.'), m.id);
    if (this.state !== 'ready') {
      if (this.queue.length >= MAX_QUEUED) return this.link.send(wardenError(m.id, 'CAP_IN_FLIGHT', `Too many requests before \`${this.serverName}\` was ready (limit ${MAX_QUEUED}).`), m.id);
      this.queue.push(m);
      if (this.initializedSeen && this.clientCapabilities.roots && !this.rootsAsked) {
        this.rootsAsked = true;
        void this.resolveRoots(m.id);
      }
      return;
    }
    this.forward(m);
  }

  private forward(m: Request): void {
    const instance = this.instance!;
    if (this.requests.size >= this.limits.maxInFlight) {
      return this.link.send(
        wardenError(m.id, 'CAP_IN_FLIGHT', `This client already has ${this.requests.size} requests in flight to \`${this.serverName}\` (limit maxInFlightPerClient = ${this.limits.maxInFlight}); try again when one finishes.`),
        m.id,
      );
    }
    const clientKey = JSON.stringify(m.id);
    if (this.clientIds.has(clientKey)) return this.link.send(rpcError(m.id, -32600, `Request id ${clientKey} is already in flight.`), m.id);
    const up = upstreamId(this.id, ++this.nextUpstream);
    const meta = m.params?._meta as Record<string, unknown> | undefined;
    const clientToken = meta && (typeof meta.progressToken === 'string' || typeof meta.progressToken === 'number') ? meta.progressToken : undefined;
    const params = clientToken === undefined ? m.params : { ...m.params, _meta: { ...meta, progressToken: up } };
    const timer = setTimeout(() => this.timeOut(up), this.limits.requestTimeoutMs);
    timer.unref?.();
    const tool = m.method === 'tools/call' && typeof m.params?.name === 'string' ? m.params.name : undefined;
    this.requests.set(up, { seq: ++requestSeq, clientId: m.id, clientToken, method: m.method, instance, timer, ...(tool !== undefined ? { tool, startedAt: performance.now() } : {}) });
    this.clientIds.set(clientKey, up);
    const upstream = { jsonrpc: '2.0', id: up, method: m.method, ...(params !== undefined ? { params } : {}) } as Message;
    instance.forward(this, upstream).catch((err: unknown) => {
      const e = WardenError.from(err);
      const pending = this.settle(up, e.message);
      if (!pending) return;
      this.link.send(wardenError(pending.clientId, e.code, e.message), pending.clientId);
    });
  }

  private timeOut(up: string): void {
    const pending = this.settle(up, `timed out after ${this.limits.requestTimeoutMs} ms`);
    if (!pending) return;
    pending.instance.cancelUpstream(up, 'timed out in MCP Warden');
    this.link.send(wardenError(pending.clientId, 'REQUEST_TIMEOUT', `\`${this.serverName}\` did not answer ${pending.method} within ${this.limits.requestTimeoutMs} ms; the request was cancelled.`), pending.clientId);
  }

  /** Forgets one request in flight; returns it when it was still there. `outcome`: null for success, else why not. */
  private settle(up: string, outcome: string | null): PendingRequest | undefined {
    const pending = this.requests.get(up);
    if (!pending) return undefined;
    clearTimeout(pending.timer);
    this.requests.delete(up);
    this.clientIds.delete(JSON.stringify(pending.clientId));
    if (this.requests.size === 0 && this.drainWaiter) {
      const wake = this.drainWaiter;
      this.drainWaiter = undefined;
      wake();
    }
    if (pending.tool !== undefined && pending.startedAt !== undefined) this.host.recordCall?.(this, pending.tool, performance.now() - pending.startedAt, outcome);
    return pending;
  }

  private onResponse(m: Response): void {
    if (m.id === ROOTS_REQUEST_ID) {
      const waiter = this.rootsWaiter;
      this.rootsWaiter = undefined;
      if (!waiter) return;
      clearTimeout(waiter.timer);
      const roots = (m.result as { roots?: { uri?: unknown }[] } | undefined)?.roots;
      waiter.resolve(Array.isArray(roots) ? roots.map((r) => String(r?.uri ?? '')).filter(Boolean) : null);
      return;
    }
    if (typeof m.id !== 'number') return;
    const relayed = this.relayed.get(m.id);
    if (!relayed) return;
    this.relayed.delete(m.id);
    const reply = { ...m, id: relayed.upstream } as Message;
    void relayed.instance.sendUpstream(reply);
  }

  private onNotification(m: Notification): void {
    if (m.method === 'notifications/initialized') return void this.initialized();
    if (m.method === 'notifications/cancelled') {
      const requestId = m.params?.requestId;
      const up = this.clientIds.get(JSON.stringify(requestId));
      if (!up) return;
      const pending = this.settle(up, 'cancelled by the client');
      // The client gave up on it: the server hears of it, and a late reply finds no entry and is dropped.
      pending?.instance.cancelUpstream(up, typeof m.params?.reason === 'string' ? m.params.reason : 'cancelled by the client');
      return;
    }
    // Roots choose the instance: a change is asked again and may move the session (rootsChanged).
    if (m.method === 'notifications/roots/list_changed') return void this.rootsChanged();
    if (this.state !== 'ready') return;
    // Anything else (progress of a server request the client answers, methods Warden does not know) passes through.
    void this.instance?.sendUpstream(m as Message).catch(() => undefined);
  }

  private async initialize(m: Request): Promise<void> {
    if (this.state !== 'new') return this.link.send(rpcError(m.id, -32600, 'initialize was already sent on this session.'), m.id);
    this.state = 'initializing';
    const params = m.params ?? {};
    this.clientCapabilities = (params.capabilities as Record<string, unknown>) ?? {};
    this.clientInfo = (params.clientInfo as { name?: string; version?: string }) ?? {};
    try {
      let result = this.host.cachedInitialize(this.serverName);
      if (!result || !this.clientCapabilities.roots) {
        // Without roots the key is known now; with roots, the roots-less instance answers (once per config) and the
        // session moves to its own roots' instance once the client has said them.
        const instance = await this.host.attach(this, []);
        result = await instance.initializeResult();
      }
      if (this.closed) return;
      // The server negotiated its version with Warden's client; this client asked for its own. As an SDK server does,
      // answer with the client's version when it is one MCP Warden knows, else with the server's.
      const asked = params.protocolVersion;
      const version = typeof asked === 'string' && SUPPORTED_PROTOCOL_VERSIONS.includes(asked) ? asked : result.protocolVersion;
      this.link.send({ jsonrpc: '2.0', id: m.id, result: { ...result, protocolVersion: version } } as Message, m.id);
    } catch (err) {
      const e = WardenError.from(err);
      this.link.send(wardenError(m.id, e.code, e.message), m.id);
      this.close(`initialize failed: ${e.message}`);
    }
  }

  private initialized(): void {
    if (this.state !== 'initializing' || this.initializedSeen) return;
    this.initializedSeen = true;
    // A client with roots is asked for them along with its first request, on that request's stream: over Streamable
    // HTTP a request Warden sends on its own goes on the client's GET stream, which it may not have opened yet.
    if (!this.clientCapabilities.roots) return void this.attachWithRoots([]);
    const first = this.queue.find(isRequest);
    if (first) {
      this.rootsAsked = true;
      void this.resolveRoots(first.id);
    }
  }

  private async resolveRoots(related: Id): Promise<void> {
    const roots = (await this.askRoots(related)) ?? [];
    if (this.closed) return;
    await this.attachWithRoots(roots);
  }

  private async attachWithRoots(roots: string[]): Promise<void> {
    try {
      this.roots = [...new Set(roots)].sort();
      this.instance = await this.host.attach(this, this.roots);
    } catch (err) {
      const e = WardenError.from(err);
      for (const q of this.queue) if (isRequest(q)) this.link.send(wardenError(q.id, e.code, e.message), q.id);
      this.queue = [];
      return this.close(`no instance: ${e.message}`);
    }
    if (this.closed) return;
    this.state = 'ready';
    const queued = this.queue;
    this.queue = [];
    for (const q of queued) this.receive(q);
  }

  /**
   * The client says its roots changed: ask them again, and when they differ move the session to the instance for the
   * new roots (a server never serves two workspaces). Requests sent meanwhile wait in the queue; requests in flight
   * finish on the old instance first (each is bounded by its timeout). A move that fails ends the session, saying why.
   */
  private async rootsChanged(): Promise<void> {
    if (!this.clientCapabilities.roots || (this.state !== 'ready' && !this.moving)) return;
    if (this.moving) {
      this.rootsDirty = true;
      return;
    }
    this.moving = true;
    try {
      do {
        this.rootsDirty = false;
        this.state = 'initializing';
        // No request of the client's to ride on: over HTTP this goes on its GET stream (no answer in time: roots kept).
        const asked = await this.askRoots(this.oldestRequest()?.clientId);
        if (this.closed) return;
        const roots = asked === null ? (this.roots ?? []) : [...new Set(asked)].sort();
        if (JSON.stringify(roots) === JSON.stringify(this.roots ?? [])) continue;
        await this.drained();
        if (this.closed) return;
        this.host.log(`${this.label}: roots changed to ${JSON.stringify(roots).slice(0, 300)}; moving to that instance of \`${this.serverName}\``);
        // Ready again (and the queue sent) on the new instance, or the session ended with the reason.
        await this.attachWithRoots(roots);
        if (this.closed) return;
      } while (this.rootsDirty);
    } finally {
      this.moving = false;
    }
    if (this.closed || (this.state as Session['state']) === 'ready') return;
    this.state = 'ready';
    const queued = this.queue;
    this.queue = [];
    for (const q of queued) this.receive(q);
  }

  /** Resolves once nothing of this client's is in flight (settle() wakes it). */
  private drained(): Promise<void> {
    if (this.requests.size === 0) return Promise.resolve();
    return new Promise((resolve) => (this.drainWaiter = resolve));
  }

  private askRoots(related: Id | undefined): Promise<string[] | null> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.rootsWaiter = undefined;
        this.host.log(`${this.label}: the client did not answer roots/list within ${this.limits.rootsTimeoutMs} ms; using no roots`);
        resolve(null);
      }, this.limits.rootsTimeoutMs);
      timer.unref?.();
      this.rootsWaiter = { resolve, timer };
      this.link.send({ jsonrpc: '2.0', id: ROOTS_REQUEST_ID, method: 'roots/list' } as Message, related);
    });
  }

  // --- from the server (through the instance) -------------------------------------------------------

  deliverResponse(m: Response): void {
    const pending = this.settle(String(m.id), responseError(m));
    if (!pending) return; // cancelled or timed out: a late reply is dropped
    this.link.send({ ...m, id: pending.clientId } as Message, pending.clientId);
  }

  deliverProgress(m: Notification): void {
    const token = String(m.params?.progressToken);
    const pending = this.requests.get(token);
    if (!pending || pending.clientToken === undefined) return;
    this.link.send({ ...m, params: { ...m.params, progressToken: pending.clientToken } } as Message, pending.clientId);
  }

  /** A request from the server to this client (sampling, elicitation, roots, ping). */
  relayServerRequest(m: Request, instance: Instance): void {
    const needs: Record<string, string> = { 'sampling/createMessage': 'sampling', 'elicitation/create': 'elicitation', 'roots/list': 'roots' };
    const capability = needs[m.method];
    if (m.method === 'roots/list' && !this.clientCapabilities.roots) {
      void instance.sendUpstream({ jsonrpc: '2.0', id: m.id, result: { roots: (this.roots ?? []).map((uri) => ({ uri })) } } as Message);
      return;
    }
    if (capability && !this.clientCapabilities[capability]) {
      void instance.sendUpstream(rpcError(m.id, METHOD_NOT_FOUND, `The client (${this.label}) does not support ${capability}; MCP Warden cannot relay ${m.method}.`));
      return;
    }
    if (this.relayed.size >= MAX_RELAYED) {
      void instance.sendUpstream(rpcError(m.id, -32603, `The client (${this.label}) already has ${MAX_RELAYED} server requests pending.`));
      return;
    }
    const down = ++this.nextDownstream;
    const related = this.oldestRequest()?.clientId;
    this.relayed.set(down, { upstream: m.id, instance, related });
    this.link.send({ ...m, id: down } as Message, related);
  }

  /** A server request this client was answering was cancelled by the server. */
  cancelRelayed(upstream: Id, m: Notification): void {
    for (const [down, r] of this.relayed) {
      if (r.upstream !== upstream) continue;
      this.relayed.delete(down);
      this.link.send({ ...m, params: { ...m.params, requestId: down } } as Message, r.related);
      return;
    }
  }

  hasRelayed(upstream: Id): boolean {
    for (const r of this.relayed.values()) if (r.upstream === upstream) return true;
    return false;
  }

  /** A notification every client of the instance gets (list_changed, logging, resource updates). */
  deliverBroadcast(m: Notification): void {
    if (this.state === 'ready' || this.state === 'initializing') this.link.send(m as Message);
  }

  /** The instance's server went away: what this client had in flight through it fails now, not at its timeout. */
  instanceGone(instance: Instance, why: string): void {
    for (const [up, pending] of [...this.requests]) {
      if (pending.instance !== instance) continue;
      this.settle(up, `the server ${why}`);
      this.link.send(wardenError(pending.clientId, 'SERVER_NOT_RUNNING', `\`${this.serverName}\` ${why} while ${pending.method} was in flight.`), pending.clientId);
    }
    for (const [down, r] of [...this.relayed]) if (r.instance === instance) this.relayed.delete(down);
  }

  /** Moves the session to another instance (its roots are known now). Nothing is in flight yet. */
  rebind(instance: Instance): void {
    this.instance = instance;
  }

  // --- end ---------------------------------------------------------------------------------------------

  close(reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    for (const [up, pending] of [...this.requests]) {
      this.settle(up, `the client disconnected (${reason})`);
      pending.instance.cancelUpstream(up, `the client disconnected (${reason})`);
    }
    for (const r of this.relayed.values()) void r.instance.sendUpstream(rpcError(r.upstream, -32603, `The client (${this.label}) disconnected before answering.`)).catch(() => undefined);
    this.relayed.clear();
    this.queue = [];
    const wake = this.drainWaiter;
    this.drainWaiter = undefined;
    wake?.();
    if (this.rootsWaiter) {
      clearTimeout(this.rootsWaiter.timer);
      this.rootsWaiter.resolve(null);
      this.rootsWaiter = undefined;
    }
    this.host.ended(this);
    this.link.close(reason);
  }

  /** For leak tests: every map and queue this session holds. */
  sizes(): { requests: number; clientIds: number; relayed: number; queued: number } {
    return { requests: this.requests.size, clientIds: this.clientIds.size, relayed: this.relayed.size, queued: this.queue.length };
  }
}

/** Why a response is not a success: a JSON-RPC error, or a tool result with isError (its first text). Null otherwise. */
function responseError(m: Response): string | null {
  const r = m as { error?: { message?: unknown }; result?: { isError?: unknown; content?: { type?: unknown; text?: unknown }[] } };
  if (r.error) return typeof r.error.message === 'string' ? r.error.message : 'error';
  if (r.result?.isError === true) {
    const text = r.result.content?.find((c) => c?.type === 'text' && typeof c.text === 'string')?.text;
    return typeof text === 'string' ? text : 'the tool reported an error';
  }
  return null;
}
