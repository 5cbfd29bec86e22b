// One supervised server process as the session layer sees it: the sessions attached to it, and the routing of
// its raw messages back to them — replies and progress by the session named in the upstream id, server requests to
// the client whose request is in flight, list changes and logs to every client. The supervisor still owns the process.
import { WardenError } from '../../shared/errors';
import type { RawChannel } from '../mcp/tapTransport';
import type { Supervisor } from '../supervisor/supervisor';
import type { LazyStarts } from '../lazy/lazyStarts';
import { isNotification, isRequest, isResponse, METHOD_NOT_FOUND, rpcError, sessionOf, type Message } from './jsonrpc';
import type { Session } from './session';

/** Clients one instance serves at once. */
export const MAX_SESSIONS_PER_INSTANCE = 64;

export interface InstanceHost {
  readonly supervisor: Supervisor;
  /** Lazy start: cached answers while the server is not running, the idle stop, the cache refresh (src/helper/lazy/). */
  readonly lazy?: LazyStarts;
  log(line: string): void;
  /** The last session left: the manager forgets the instance (and stops what the session layer started). */
  empty(instance: Instance): void;
}

export class Instance {
  readonly sessions = new Map<number, Session>();
  /** True when the session layer started the process (so it stops it when the last client leaves). */
  startedHere = false;
  private channel: RawChannel | undefined;
  private starting: Promise<RawChannel> | undefined;

  constructor(
    readonly key: string,
    /** The supervisor's name for the process: the configured name, or `name#…` for an added instance. */
    readonly serverName: string,
    readonly baseName: string,
    readonly roots: string[],
    private readonly host: InstanceHost,
  ) {}

  attach(session: Session): void {
    if (this.sessions.has(session.id)) return;
    if (this.sessions.size >= MAX_SESSIONS_PER_INSTANCE) {
      throw new WardenError('CAP_IN_FLIGHT', `\`${this.baseName}\` already serves ${MAX_SESSIONS_PER_INSTANCE} clients through this instance.`, this.baseName);
    }
    this.sessions.set(session.id, session);
  }

  detach(session: Session): void {
    if (!this.sessions.delete(session.id)) return;
    if (this.sessions.size === 0) this.host.empty(this);
  }

  /**
   * A start this instance began and has not finished (settling either way), or undefined: the last client may leave
   * while the supervisor is still spawning, and whether the session layer started the server is only known then.
   */
  startUnderWay(): Promise<void> | undefined {
    return this.starting?.then(() => undefined, () => undefined);
  }

  /** The server's initialize result (capabilities, serverInfo, instructions) as it gave it to Warden. */
  async initializeResult(): Promise<Record<string, unknown>> {
    const cached = this.host.lazy?.cachedInitialize(this);
    if (cached) return cached;
    const channel = await this.ensureRunning();
    if (!channel.initializeResult) throw new WardenError('HANDSHAKE_FAILED', `\`${this.baseName}\` completed no initialize that Warden saw.`, this.baseName);
    return channel.initializeResult;
  }

  /** Sends a client's request upstream (its id already remapped), starting the server first if needed. */
  async forward(session: Session, m: Message): Promise<void> {
    const cached = this.host.lazy?.cachedAnswer(this, m as never);
    if (cached !== undefined) return session.deliverResponse({ jsonrpc: '2.0', id: (m as { id: string }).id, result: cached });
    const channel = await this.ensureRunning();
    this.host.lazy?.used(this, m as never);
    const caps = this.host.supervisor.managed(this.serverName)?.spec.caps;
    const inFlight = this.inFlight();
    // This request is already counted in its session's map, hence `>`.
    if (caps && inFlight > caps.maxInFlightRequests) {
      throw new WardenError('CAP_IN_FLIGHT', `\`${this.baseName}\` already has ${inFlight - 1} requests in flight (limit maxInFlightRequests = ${caps.maxInFlightRequests}); try again when one finishes.`, this.baseName);
    }
    if (session.state === 'closed' || !session.requests.has(String((m as { id?: unknown }).id))) return;
    await channel.send(m);
  }

  /** Sends a message upstream if the server is running (replies to its requests, notifications). */
  async sendUpstream(m: Message): Promise<void> {
    const channel = this.channel;
    if (!channel) return;
    await channel.send(m).catch(() => undefined);
  }

  cancelUpstream(upstreamId: string, reason: string): void {
    void this.sendUpstream({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: upstreamId, reason } } as Message);
  }

  /** Requests of every client in flight through this instance (the server's maxInFlightRequests applies to them). */
  inFlight(): number {
    let n = 0;
    for (const s of this.sessions.values()) for (const p of s.requests.values()) if (p.instance === this) n++;
    return n;
  }

  private ensureRunning(): Promise<RawChannel> {
    const server = this.host.supervisor.managed(this.serverName);
    if (!server) return Promise.reject(new WardenError('UNKNOWN_SERVER', `\`${this.baseName}\` is no longer configured.`, this.baseName));
    const raw = server.raw;
    if (raw) return Promise.resolve(this.bind(raw));
    return (this.starting ??= this.start().finally(() => {
      this.starting = undefined;
    }));
  }

  private async start(): Promise<RawChannel> {
    const server = this.host.supervisor.managed(this.serverName)!;
    if (server.state === 'starting' || server.state === 'stopping') await this.waitForSettled();
    if (!server.raw) {
      if (server.state === 'failed' || server.state === 'capped' || server.state === 'crashed' || server.state === 'stopped') {
        await this.host.supervisor.start(this.serverName);
        this.startedHere = true;
      }
    }
    const raw = server.raw;
    if (!raw) throw new WardenError('SERVER_NOT_RUNNING', `\`${this.baseName}\` is ${server.state}${server.lastError ? `: ${server.lastError}` : ''}.`, this.baseName);
    return this.bind(raw);
  }

  /** A server that is starting or stopping becomes running or not within its handshake or grace time. */
  private waitForSettled(): Promise<void> {
    const server = this.host.supervisor.managed(this.serverName)!;
    const limitMs = this.host.supervisor.handshakeTimeoutMs + server.spec.caps.shutdownGraceMs + 1000;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        sub.dispose();
        resolve();
      };
      const timer = setTimeout(done, limitMs);
      const sub = this.host.supervisor.onEvent((e) => {
        if (e.kind === 'state' && e.server === this.serverName && e.state !== 'starting' && e.state !== 'stopping') done();
      });
    });
  }

  private bind(raw: RawChannel): RawChannel {
    if (this.channel === raw) return raw;
    this.channel = raw;
    raw.setTap({ message: (m) => this.host.lazy?.fromServer(this, raw, m) || this.fromServer(m), closed: () => this.closed(raw) });
    this.host.lazy?.bound(this, raw);
    return raw;
  }

  private closed(raw: RawChannel): void {
    if (this.channel !== raw) return;
    this.channel = undefined;
    const server = this.host.supervisor.managed(this.serverName);
    const why = server?.state === 'stopping' || server?.state === 'stopped' ? 'was stopped' : 'exited';
    for (const s of this.sessions.values()) s.instanceGone(this, why);
  }

  private fromServer(m: Message): boolean {
    if (isResponse(m)) {
      const sid = sessionOf(m.id);
      if (sid === undefined) return false; // the SDK client's own request (handshake, Call Tool)
      this.sessions.get(sid)?.deliverResponse(m);
      return true;
    }
    if (isRequest(m)) {
      this.serverRequest(m);
      return true;
    }
    if (isNotification(m)) {
      if (m.method === 'notifications/progress') {
        const sid = sessionOf(m.params?.progressToken);
        if (sid === undefined) return false;
        this.sessions.get(sid)?.deliverProgress(m);
        return true;
      }
      if (m.method === 'notifications/cancelled') {
        const requestId = m.params?.requestId as string | number | undefined;
        for (const s of this.sessions.values()) if (requestId !== undefined && s.hasRelayed(requestId)) s.cancelRelayed(requestId, m);
        return true;
      }
      for (const s of this.sessions.values()) s.deliverBroadcast(m);
      return false; // the SDK client may use it too (tools/list_changed)
    }
    return false;
  }

  /**
   * A request from the server. Over stdio a server request carries no link to the call it is made for, so it goes
   * to the client with the oldest request in flight (one client in flight: certainly right; several: a guess —
   * servers that sample while several clients call them are better marked perClient).
   */
  private serverRequest(m: Message & { id: string | number; method: string }): void {
    let target: Session | undefined;
    let oldest = Infinity;
    for (const s of this.sessions.values()) {
      const first = s.oldestRequest();
      if (first && first.instance === this && first.seq < oldest) {
        oldest = first.seq;
        target = s;
      }
    }
    if (target) return target.relayServerRequest(m as never, this);
    if (m.method === 'ping') return void this.sendUpstream({ jsonrpc: '2.0', id: m.id, result: {} } as Message);
    if (m.method === 'roots/list') return void this.sendUpstream({ jsonrpc: '2.0', id: m.id, result: { roots: this.roots.map((uri) => ({ uri })) } } as Message);
    void this.sendUpstream(rpcError(m.id, METHOD_NOT_FOUND, `No client has a request in flight through MCP Warden, so ${m.method} has no one to answer it.`));
  }
}
