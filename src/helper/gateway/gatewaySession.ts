// One client of the gateway: a single MCP server whose tools, prompts and resources are the union of the selected
// servers'. It holds one session-layer Session per server (so sharing, caps, restarts and lazy start apply as for
// `connect`), answers initialize and the list methods itself, and routes each call to its server under its own name.
import { randomBytes } from 'node:crypto';
import type { Disposable } from '../../shared/disposable';
import { WardenError } from '../../shared/errors';
import type { ClientLink } from '../sessions/clientLink';
import { isNotification, isRequest, isResponse, METHOD_NOT_FOUND, rpcError, wardenError, type Id, type Message, type Notification, type Request, type Response } from '../sessions/jsonrpc';
import type { Session } from '../sessions/session';
import type { SessionManager } from '../sessions/sessionManager';
import { assignNames, type Origin } from './names';

const INVALID_PARAMS = -32602;
/** Pages of one list the gateway reads from one server before it stops (a server that pages forever). */
const MAX_PAGES = 20;
/** Items of one kind one server may contribute; more are cut (and logged). */
const MAX_ITEMS_PER_SERVER = 1000;
/** Server requests (sampling, elicitation, roots) the client may be answering at once. */
const MAX_RELAYED = 64;
/** Client requests routed to servers at once (each server's session caps its own share far lower). */
const MAX_ROUTED = 1024;
const KNOWN_PROTOCOL_VERSIONS = ['2024-11-05', '2025-03-26', '2025-06-18', '2025-11-25'];
const FALLBACK_PROTOCOL_VERSION = '2025-06-18';

type ListKind = 'tools' | 'prompts' | 'resources' | 'resourceTemplates';
const LIST_METHODS: Record<ListKind, { method: string; field: string }> = {
  tools: { method: 'tools/list', field: 'tools' },
  prompts: { method: 'prompts/list', field: 'prompts' },
  resources: { method: 'resources/list', field: 'resources' },
  resourceTemplates: { method: 'resources/templates/list', field: 'resourceTemplates' },
};
const CHANGED: Record<string, ListKind[]> = {
  'notifications/tools/list_changed': ['tools'],
  'notifications/prompts/list_changed': ['prompts'],
  'notifications/resources/list_changed': ['resources', 'resourceTemplates'],
};

type Item = Record<string, unknown>;

/** One selected server as this client sees it: its session and what it has listed. */
interface Member {
  server: string;
  session: Session | undefined;
  /** Settles when the server has answered initialize (or failed to). */
  ready: Promise<void>;
  capabilities: Record<string, unknown>;
  failed: string | null;
  lists: Partial<Record<ListKind, Promise<Item[]>>>;
}

interface Pending {
  resolve(result: unknown): void;
  reject(err: Error): void;
}

export interface GatewayOptions {
  /** Servers by name; null: every configured server, following the configuration as it changes. */
  servers: string[] | null;
  log: (line: string) => void;
}

export class GatewaySession {
  state: 'new' | 'ready' | 'closed' = 'new';
  lastActivity = Date.now();
  readonly serverName = '';
  private readonly members = new Map<string, Member>();
  /** The client's request (its id as JSON) → the member serving it. */
  private readonly routed = new Map<string, Member>();
  /** The id the client sees for a server's request → the member and the id its session used. */
  private readonly relayed = new Map<number, { member: Member; id: Id }>();
  private readonly internal = new Map<string, Pending>();
  private nextInternal = 0;
  private nextRelayed = 0;
  /** Internal ids cannot be guessed by the client, so its own ids never collide with them. */
  private readonly nonce = randomBytes(6).toString('hex');
  private clientCapabilities: Record<string, unknown> = {};
  private clientInfo: Record<string, unknown> = {};
  private protocolVersion = FALLBACK_PROTOCOL_VERSION;
  /** The last names handed out, per kind: exposed name → server and the server's own name. */
  private toolNames = new Map<string, Origin>();
  private promptNames = new Map<string, Origin>();
  private resourceOwners = new Map<string, string>();
  private templatePrefixes: { prefix: string; server: string }[] = [];
  private readonly configWatch: Disposable;

  constructor(
    private readonly manager: SessionManager,
    readonly link: ClientLink,
    private readonly options: GatewayOptions,
  ) {
    if (options.servers) {
      const known = new Set(this.configuredServers());
      const unknown = options.servers.filter((s) => !known.has(s));
      if (unknown.length) {
        const list = [...known].slice(0, 20).join(', ');
        throw new WardenError('UNKNOWN_SERVER', `No server named ${unknown.map((u) => `"${u}"`).join(', ')} is configured in MCP Warden${list ? ` (configured: ${list})` : ' (none are)'}.`, unknown[0]);
      }
    }
    this.configWatch = manager.supervisor.onEvent((e) => {
      if (e.kind === 'config-change' && (e.change === 'added' || e.change === 'removed')) this.reconcile();
    });
  }

  get label(): string {
    return this.link.label;
  }

  get inFlight(): number {
    return this.routed.size + this.internal.size;
  }

  private configuredServers(): string[] {
    return this.manager.supervisor.snapshot().servers.filter((s) => !s.instanceOf).map((s) => s.name);
  }

  private selected(): string[] {
    const configured = this.configuredServers();
    const want = this.options.servers ? new Set(this.options.servers) : null;
    return configured.filter((s) => !want || want.has(s)).sort();
  }

  // --- from the client ----------------------------------------------------------------------------

  receive(m: Message): void {
    if (this.state === 'closed') return;
    this.lastActivity = Date.now();
    if (isRequest(m)) return void this.onRequest(m).catch((err: unknown) => this.replyError(m.id, err));
    if (isResponse(m)) return this.onResponse(m);
    if (isNotification(m)) return this.onNotification(m);
  }

  private replyError(id: Id, err: unknown): void {
    if (this.state === 'closed') return;
    const e = WardenError.from(err);
    const code = (err as { rpcCode?: number }).rpcCode;
    this.link.send(code !== undefined ? rpcError(id, code, e.message) : wardenError(id, e.code, e.message), id);
  }

  private reply(id: Id, result: unknown): void {
    if (this.state !== 'closed') this.link.send({ jsonrpc: '2.0', id, result } as Message, id);
  }

  private async onRequest(m: Request): Promise<void> {
    const params = m.params ?? {};
    switch (m.method) {
      case 'initialize':
        return this.initialize(m);
      case 'ping':
        return this.reply(m.id, {});
    }
    if (this.state !== 'ready') return this.link.send(rpcError(m.id, -32002, 'The session is not initialized: send initialize first.'), m.id);
    switch (m.method) {
      case 'tools/list':
        return this.reply(m.id, { tools: await this.listTools() });
      case 'prompts/list':
        return this.reply(m.id, { prompts: await this.listPrompts() });
      case 'resources/list':
        return this.reply(m.id, { resources: await this.listResources() });
      case 'resources/templates/list':
        return this.reply(m.id, { resourceTemplates: await this.listTemplates() });
      case 'tools/call':
      case 'prompts/get': {
        const isTool = m.method === 'tools/call';
        const name = String(params.name ?? '');
        let origin = (isTool ? this.toolNames : this.promptNames).get(name);
        if (!origin) {
          await (isTool ? this.listTools() : this.listPrompts()); // a call before any list, or after a change
          origin = (isTool ? this.toolNames : this.promptNames).get(name);
        }
        if (!origin) throw invalidParams(`The gateway has no ${isTool ? 'tool' : 'prompt'} named "${name}"; list ${isTool ? 'tools' : 'prompts'} again.`);
        return this.route(origin.server, { ...m, params: { ...params, name: origin.name } });
      }
      case 'resources/read':
      case 'resources/subscribe':
      case 'resources/unsubscribe':
        return this.route(await this.ownerOfUri(String(params.uri ?? '')), m);
      case 'completion/complete': {
        const ref = (params.ref ?? {}) as { type?: string; name?: string; uri?: string };
        if (ref.type === 'ref/prompt') {
          if (!this.promptNames.size) await this.listPrompts();
          const origin = this.promptNames.get(String(ref.name ?? ''));
          if (!origin) throw invalidParams(`The gateway has no prompt named "${String(ref.name)}".`);
          return this.route(origin.server, { ...m, params: { ...params, ref: { ...ref, name: origin.name } } });
        }
        return this.route(await this.ownerOfUri(String(ref.uri ?? '')), m);
      }
      case 'logging/setLevel': {
        const members = await this.readyMembers();
        await Promise.all(members.filter((x) => x.capabilities.logging).map((x) => this.ask(x, 'logging/setLevel', params).catch(() => undefined)));
        return this.reply(m.id, {});
      }
    }
    throw Object.assign(new WardenError('INTERNAL', `The MCP Warden gateway does not relay ${m.method}; connect to one server (mcp-warden connect NAME) for it.`), { rpcCode: METHOD_NOT_FOUND });
  }

  private initialize(m: Request): void {
    if (this.state !== 'new') return this.link.send(rpcError(m.id, -32600, 'initialize was already sent on this session.'), m.id);
    const params = m.params ?? {};
    this.clientCapabilities = (params.capabilities as Record<string, unknown>) ?? {};
    this.clientInfo = (params.clientInfo as Record<string, unknown>) ?? {};
    const asked = String(params.protocolVersion ?? '');
    this.protocolVersion = KNOWN_PROTOCOL_VERSIONS.includes(asked) ? asked : FALLBACK_PROTOCOL_VERSION;
    this.state = 'ready';
    for (const server of this.selected()) this.openMember(server);
    // Warden answers for the union; each server's own handshake runs behind it (from its cache when it is lazy).
    this.reply(m.id, {
      protocolVersion: this.protocolVersion,
      capabilities: { tools: { listChanged: true }, prompts: { listChanged: true }, resources: { listChanged: true, subscribe: true }, logging: {}, completions: {} },
      serverInfo: { name: 'mcp-warden-gateway', version: '0.1.0' },
      instructions: `MCP Warden's gateway: the tools, prompts and resources of ${this.options.servers ? this.options.servers.join(', ') : 'every server configured in MCP Warden'}, named server__name.`,
    });
  }

  private onResponse(m: Response): void {
    if (typeof m.id !== 'number') return;
    const r = this.relayed.get(m.id);
    if (!r) return;
    this.relayed.delete(m.id);
    r.member.session?.receive({ ...m, id: r.id } as Message);
  }

  private onNotification(m: Notification): void {
    if (m.method === 'notifications/cancelled') {
      const member = this.routed.get(JSON.stringify(m.params?.requestId));
      member?.session?.receive(m as Message);
      return;
    }
    // Each server's session asks the roots again and moves to the instance for them (as for connect).
    if (m.method === 'notifications/roots/list_changed') {
      for (const member of this.members.values()) member.session?.receive(m as Message);
      return;
    }
    // initialized: each server session had its own.
  }

  // --- members --------------------------------------------------------------------------------------

  private openMember(server: string): void {
    if (this.members.has(server) || this.state === 'closed') return;
    let settle!: () => void;
    const member: Member = { server, session: undefined, ready: new Promise<void>((r) => (settle = r)), capabilities: {}, failed: null, lists: {} };
    this.members.set(server, member);
    const initId = this.internalId();
    this.internal.set(initId, {
      resolve: (result) => {
        member.capabilities = ((result as { capabilities?: Record<string, unknown> })?.capabilities ?? {}) as Record<string, unknown>;
        member.session?.receive({ jsonrpc: '2.0', method: 'notifications/initialized' } as Message);
        settle();
      },
      reject: (err) => {
        member.failed = err.message;
        this.options.log(`${this.label}: \`${server}\` is left out of the gateway: ${err.message}`);
        settle();
      },
    });
    try {
      member.session = this.manager.open(server, {
        label: `${this.link.label} → ${server}`,
        window: this.link.window,
        send: (msg) => this.fromMember(member, msg),
        close: (reason) => this.memberClosed(member, reason),
      });
    } catch (err) {
      this.internal.get(initId)?.reject(err as Error);
      this.internal.delete(initId);
      return;
    }
    member.session.receive({
      jsonrpc: '2.0',
      id: initId,
      method: 'initialize',
      params: { protocolVersion: this.protocolVersion, capabilities: this.clientCapabilities, clientInfo: this.clientInfo },
    } as Message);
  }

  /** Members that answered initialize (waiting for the others); a failed one is left out. */
  private async readyMembers(): Promise<Member[]> {
    const members = [...this.members.values()];
    await Promise.all(members.map((x) => x.ready));
    return members.filter((x) => !x.failed && x.session && x.session.state !== 'closed');
  }

  private memberClosed(member: Member, reason: string): void {
    if (this.members.get(member.server) !== member) return;
    this.members.delete(member.server);
    const wasServing = !member.failed;
    member.failed ??= reason;
    // Its session settled its own map without answering; the client hears why.
    for (const [key, m] of [...this.routed]) {
      if (m !== member) continue;
      this.routed.delete(key);
      const id = JSON.parse(key) as Id;
      this.link.send(wardenError(id, 'SERVER_NOT_RUNNING', `\`${member.server}\` went away (${reason}).`), id);
    }
    for (const [down, r] of [...this.relayed]) if (r.member === member) this.relayed.delete(down);
    if (this.state === 'ready' && wasServing) this.listsChanged(['tools', 'prompts', 'resources', 'resourceTemplates']);
  }

  /** The configuration changed: servers added to the selection join, removed ones leave; the client hears of both. */
  private reconcile(): void {
    if (this.state !== 'ready') return;
    const want = new Set(this.selected());
    let changed = false;
    for (const [server, member] of [...this.members]) {
      if (want.has(server)) continue;
      this.members.delete(server);
      member.session?.close('removed from the gateway');
      changed = true;
    }
    for (const server of want) {
      if (this.members.has(server)) continue;
      this.openMember(server);
      changed = true;
    }
    if (changed) this.listsChanged(['tools', 'prompts', 'resources', 'resourceTemplates']);
  }

  private listsChanged(kinds: ListKind[]): void {
    const sent = new Set<string>();
    for (const kind of kinds) {
      const method = kind === 'tools' ? 'notifications/tools/list_changed' : kind === 'prompts' ? 'notifications/prompts/list_changed' : 'notifications/resources/list_changed';
      if (sent.has(method)) continue;
      sent.add(method);
      this.link.send({ jsonrpc: '2.0', method } as Message);
    }
  }

  // --- from the servers ----------------------------------------------------------------------------

  private fromMember(member: Member, m: Message): void {
    if (this.state === 'closed') return;
    if (isResponse(m)) {
      const key = String(m.id);
      const pending = this.internal.get(key);
      if (pending && typeof m.id === 'string') {
        this.internal.delete(key);
        if (m.error) pending.reject(new Error(m.error.message));
        else pending.resolve(m.result);
        return;
      }
      if (this.routed.delete(JSON.stringify(m.id))) this.link.send(m, m.id);
      return;
    }
    if (isRequest(m)) {
      // A server asks the client (sampling, elicitation, roots): under an id of the gateway's, mapped back on reply.
      if (this.relayed.size >= MAX_RELAYED) {
        member.session?.receive(rpcError(m.id, -32603, `The client already has ${MAX_RELAYED} server requests pending.`));
        return;
      }
      const down = ++this.nextRelayed;
      this.relayed.set(down, { member, id: m.id });
      this.link.send({ ...m, id: down } as Message);
      return;
    }
    if (isNotification(m)) {
      const kinds = CHANGED[m.method];
      if (kinds) {
        for (const k of kinds) delete member.lists[k];
        this.link.send(m);
        return;
      }
      if (m.method === 'notifications/cancelled') {
        for (const [down, r] of this.relayed) {
          if (r.member !== member || r.id !== m.params?.requestId) continue;
          this.relayed.delete(down);
          this.link.send({ ...m, params: { ...m.params, requestId: down } } as Message);
        }
        return;
      }
      if (m.method === 'notifications/message') {
        // Logs name their server.
        this.link.send({ ...m, params: { ...m.params, logger: m.params?.logger ? `${member.server}/${String(m.params.logger)}` : member.server } } as Message);
        return;
      }
      this.link.send(m); // progress (the client's own token), resource updates, anything else
    }
  }

  // --- lists and routing ---------------------------------------------------------------------------

  private internalId(): string {
    return `gw:${this.nonce}:${++this.nextInternal}`;
  }

  /** A request of the gateway's own to one server (a list page, setLevel). */
  private ask(member: Member, method: string, params?: Record<string, unknown>): Promise<unknown> {
    const session = member.session;
    if (!session || session.state === 'closed') return Promise.reject(new Error(`\`${member.server}\` is not connected`));
    const id = this.internalId();
    return new Promise((resolve, reject) => {
      this.internal.set(id, { resolve, reject });
      session.receive({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) } as Message);
    });
  }

  private list(member: Member, kind: ListKind): Promise<Item[]> {
    const capability = kind === 'resourceTemplates' ? 'resources' : kind;
    if (!member.capabilities[capability]) return Promise.resolve([]);
    const cached = member.lists[kind];
    if (cached) return cached;
    const { method, field } = LIST_METHODS[kind];
    const p = (async () => {
      const items: Item[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const r = (await this.ask(member, method, cursor ? { cursor } : undefined)) as Record<string, unknown>;
        const got = Array.isArray(r?.[field]) ? (r[field] as Item[]) : [];
        for (const item of got) if (items.length < MAX_ITEMS_PER_SERVER && item && typeof item === 'object') items.push(item);
        cursor = typeof r?.nextCursor === 'string' ? r.nextCursor : undefined;
        if (!cursor || items.length >= MAX_ITEMS_PER_SERVER) break;
      }
      return items;
    })();
    member.lists[kind] = p;
    // A failed list is asked again next time, not cached.
    p.catch((err: unknown) => {
      if (member.lists[kind] === p) delete member.lists[kind];
      this.options.log(`${this.label}: ${method} of \`${member.server}\` failed: ${(err as Error).message}`);
    });
    return p.catch(() => []);
  }

  private async gather(kind: ListKind): Promise<{ server: string; item: Item }[]> {
    const members = await this.readyMembers();
    const lists = await Promise.all(members.map(async (x) => ({ server: x.server, items: await this.list(x, kind) })));
    return lists.flatMap((l) => l.items.map((item) => ({ server: l.server, item })));
  }

  private async named(kind: 'tools' | 'prompts'): Promise<Item[]> {
    const all = await this.gather(kind);
    const byPair = new Map<string, Item>();
    for (const { server, item } of all) byPair.set(`${server}\0${String(item.name)}`, item);
    const names = assignNames(all.map(({ server, item }) => ({ server, name: String(item.name) })));
    if (kind === 'tools') this.toolNames = names;
    else this.promptNames = names;
    return [...names].map(([name, origin]) => ({ ...byPair.get(`${origin.server}\0${origin.name}`), name }));
  }

  private listTools(): Promise<Item[]> {
    return this.named('tools');
  }

  private listPrompts(): Promise<Item[]> {
    return this.named('prompts');
  }

  /** URIs pass unchanged; one listed by two servers belongs to the first by name (the other's copy is not listed). */
  private async listResources(): Promise<Item[]> {
    const owners = new Map<string, string>();
    const out: Item[] = [];
    for (const { server, item } of await this.gather('resources')) {
      const uri = String(item.uri);
      if (owners.has(uri)) continue;
      owners.set(uri, server);
      out.push(item);
    }
    this.resourceOwners = owners;
    return out;
  }

  private async listTemplates(): Promise<Item[]> {
    const all = await this.gather('resourceTemplates');
    this.templatePrefixes = all.map(({ server, item }) => ({ prefix: String(item.uriTemplate ?? '').split('{')[0]!, server })).sort((a, b) => b.prefix.length - a.prefix.length);
    return all.map(({ item }) => item);
  }

  /** The server a URI belongs to: a listed resource, else the longest template prefix, else the only resource server. */
  private async ownerOfUri(uri: string): Promise<string> {
    if (!this.resourceOwners.has(uri)) {
      await this.listResources();
      await this.listTemplates();
    }
    const owner = this.resourceOwners.get(uri) ?? this.templatePrefixes.find((t) => t.prefix && uri.startsWith(t.prefix))?.server;
    if (owner) return owner;
    const withResources = (await this.readyMembers()).filter((x) => x.capabilities.resources);
    if (withResources.length === 1) return withResources[0]!.server;
    throw invalidParams(`No server of the gateway lists the resource ${JSON.stringify(uri)}.`);
  }

  /** Sends a client's request to one member's session under the client's own id (its session remaps it upstream). */
  private route(server: string, m: Request): void {
    const member = this.members.get(server);
    if (!member?.session || member.failed) throw new WardenError('SERVER_NOT_RUNNING', `\`${server}\` is not available through the gateway${member?.failed ? `: ${member.failed}` : ''}.`, server);
    if (this.routed.size >= MAX_ROUTED) throw new WardenError('CAP_IN_FLIGHT', `The gateway already has ${MAX_ROUTED} requests in flight for this client.`);
    const key = JSON.stringify(m.id);
    if (this.routed.has(key)) throw Object.assign(new WardenError('INTERNAL', `Request id ${key} is already in flight.`), { rpcCode: -32600 });
    this.routed.set(key, member);
    member.session.receive(m as Message);
  }

  // --- end -----------------------------------------------------------------------------------------

  close(reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.configWatch.dispose();
    for (const p of this.internal.values()) p.reject(new Error(`the gateway session ended (${reason})`));
    this.internal.clear();
    const members = [...this.members.values()];
    this.members.clear();
    for (const m of members) m.session?.close(`its gateway client left (${reason})`);
    this.routed.clear();
    this.relayed.clear();
    this.link.close(reason);
  }

  /** For leak tests: every map this gateway session holds. */
  sizes(): Record<string, number> {
    return { members: this.members.size, routed: this.routed.size, relayed: this.relayed.size, internal: this.internal.size };
  }
}

function invalidParams(message: string): Error {
  return Object.assign(new WardenError('INTERNAL', message), { rpcCode: INVALID_PARAMS });
}
