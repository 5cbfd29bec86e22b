// Streamable HTTP at /mcp/NAME, for the engine's unix socket and (when enabled) 127.0.0.1. Each MCP session is the
// SDK's server-side Streamable HTTP transport (it speaks the wire protocol: SSE streams, session ids, 4 MB bodies)
// feeding raw JSON-RPC messages into a Warden session, so methods Warden does not know pass through. Before the SDK
// sees a request: Host and Origin must be loopback (403, DNS rebinding), and over TCP the bearer token must match (401).
import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Disposable } from '../../shared/disposable';
import { WardenError } from '../../shared/errors';
import type { Id, Message } from '../sessions/jsonrpc';
import type { Session } from '../sessions/session';
import type { SessionManager } from '../sessions/sessionManager';
import { GatewaySession } from '../gateway/gatewaySession';
import { isRequest } from '../sessions/jsonrpc';
import { DirectReplies, directEligible, directMessage, readBody } from './httpDirect';

/** HTTP sessions at once; one more gets 503. */
export const MAX_HTTP_SESSIONS = 128;
/** An HTTP client that goes away without DELETE: its session ends after this long with nothing in flight. */
export const HTTP_SESSION_IDLE_MS = 30 * 60_000;
const SWEEP_MS = 60_000;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export interface RequestContext {
  viaUnixSocket: boolean;
}

export interface HttpHandler extends Disposable {
  handle(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): Promise<void>;
  readonly sessionCount: number;
  /** Ends the HTTP sessions (relayed, gateway and built-in) a window's agent opened; returns how many. */
  closeOwnedBy(owner: string, reason: string): number;
}

interface HttpSession {
  transport: StreamableHTTPServerTransport;
  /** One server's session, or the gateway's (serverName ''). */
  session: Pick<Session, 'receive' | 'close' | 'inFlight' | 'lastActivity' | 'serverName' | 'link'>;
  /** POSTs answered on the lean path (httpDirect.ts), once the session has an id. */
  direct: DirectReplies | undefined;
  owner: string | undefined;
}

/** An MCP server the engine answers itself (the memory store), one per HTTP session: the SDK's McpServer fits. */
export interface BuiltinServer {
  connect(transport: StreamableHTTPServerTransport): Promise<void>;
  close(): Promise<void>;
}

interface BuiltinSession {
  transport: StreamableHTTPServerTransport;
  server: BuiltinServer;
  name: string;
  lastActivity: number;
  owner: string | undefined;
}


function hostOf(value: string): string {
  // "[::1]:8080" → "[::1]"; "localhost:80" → "localhost"
  if (value.startsWith('[')) return value.slice(0, value.indexOf(']') + 1);
  const colon = value.lastIndexOf(':');
  return colon < 0 ? value : value.slice(0, colon);
}

/** Null when the request may go on; else the status and sentence to answer with. */
/** The VS Code window Warden's provider names in `X-MCP-Warden-Window` (an id it made; anything else is ignored). */
export function windowOf(headers: IncomingMessage['headers']): string | undefined {
  const w = headers['x-mcp-warden-window'];
  return typeof w === 'string' && /^[A-Za-z0-9-]{1,64}$/.test(w) ? w : undefined;
}

export function checkRequest(headers: IncomingMessage['headers'], ctx: RequestContext, token: string | null): [number, string] | null {
  const host = headers.host;
  if (host !== undefined && !LOOPBACK_HOSTS.has(hostOf(host).toLowerCase())) return [403, `Host "${host}" is not a loopback name; MCP Warden only answers localhost.`];
  const origin = headers.origin;
  if (origin !== undefined && origin !== 'null') {
    let ok = false;
    try {
      const u = new URL(origin);
      ok = (u.protocol === 'http:' || u.protocol === 'https:') && LOOPBACK_HOSTS.has(u.hostname.toLowerCase());
    } catch {
      ok = false;
    }
    if (!ok) return [403, `Origin "${origin}" is not a loopback origin; MCP Warden refuses cross-site requests.`];
  } else if (origin === 'null') {
    return [403, 'Origin "null" is refused; MCP Warden refuses cross-site requests.'];
  }
  // Over the unix socket the file's 0600 mode is the authentication; over TCP anyone on the machine can connect.
  if (!ctx.viaUnixSocket) {
    const auth = headers.authorization ?? '';
    const given = auth.startsWith('Bearer ') ? Buffer.from(auth.slice(7).trim()) : Buffer.alloc(0);
    const want = Buffer.from(token ?? '');
    if (!token || given.length !== want.length || !timingSafeEqual(given, want)) {
      return [401, 'Missing or wrong bearer token: send "Authorization: Bearer <token>" with the token from the file `mcp-warden status --json` names (endpoints.tokenFile).'];
    }
  }
  return null;
}

function reply(res: ServerResponse, status: number, message: string, extra: Record<string, string> = {}, code = -32000, id: Id | null = null): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json', ...extra });
  res.end(JSON.stringify({ jsonrpc: '2.0', id, error: { code, message } }));
}

/**
 * A POST of one message in an initialized session, on the lean path: read here, handed to the Warden session, and
 * answered by DirectReplies when its reply comes. A batch or anything the SDK would treat otherwise goes to the SDK
 * transport with the body already parsed.
 */
async function handleDirect(h: HttpSession, sid: string, req: IncomingMessage, res: ServerResponse, live: () => boolean): Promise<void> {
  const body = await readBody(req);
  if (!body.ok) return reply(res, body.status, body.message, {}, body.code);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.text);
  } catch {
    return reply(res, 400, 'Parse error: Invalid JSON', {}, -32700);
  }
  const m = directMessage(parsed);
  if (!m) return await h.transport.handleRequest(req, res, parsed);
  if (!live()) return reply(res, 404, 'Session not found', {}, -32001);
  h.session.lastActivity = Date.now();
  if (isRequest(m)) {
    const direct = (h.direct ??= new DirectReplies(sid));
    if (!direct.hold(m.id, res)) return reply(res, 200, `Request id ${JSON.stringify(m.id)} is already in flight, or too many requests wait on this session.`, {}, -32600, m.id);
    h.session.receive(m);
    return;
  }
  res.writeHead(202).end();
  h.session.receive(m);
}

export function createHttpHandler(
  manager: SessionManager,
  options: { token: () => string | null; log: (line: string) => void; builtins?: ReadonlyMap<string, () => Promise<BuiltinServer>> },
): HttpHandler {
  const sessions = new Map<string, HttpSession>();
  const builtinSessions = new Map<string, BuiltinSession>();
  let sdk: Promise<typeof import('@modelcontextprotocol/sdk/server/streamableHttp.js')> | undefined;
  const sweeper = setInterval(() => {
    const now = Date.now();
    for (const [id, h] of sessions) {
      if (h.session.inFlight === 0 && now - h.session.lastActivity > HTTP_SESSION_IDLE_MS) {
        sessions.delete(id);
        h.session.close('idle HTTP session expired');
      }
    }
    for (const [id, b] of builtinSessions) {
      if (now - b.lastActivity > HTTP_SESSION_IDLE_MS) {
        builtinSessions.delete(id);
        void b.transport.close().catch(() => undefined);
      }
    }
  }, SWEEP_MS);
  sweeper.unref();

  /** `gateway`: the servers /mcp serves (null: all of them), for the gateway's path; absent: /mcp/NAME. */
  const open = async (serverName: string, res: ServerResponse, gateway: string[] | null | undefined, window: string | undefined): Promise<HttpSession | null> => {
    if (sessions.size >= MAX_HTTP_SESSIONS) {
      reply(res, 503, `MCP Warden already holds ${MAX_HTTP_SESSIONS} HTTP sessions; end one (DELETE) and try again.`);
      return null;
    }
    const { StreamableHTTPServerTransport } = await (sdk ??= import('@modelcontextprotocol/sdk/server/streamableHttp.js'));
    let record: HttpSession | undefined;
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        if (record) sessions.set(id, record);
      },
    });
    let session: HttpSession['session'];
    try {
      const link = {
        label: 'http',
        window,
        send: (m: Message, related?: Id) => {
          if (record?.direct?.route(m, related)) return;
          void transport.send(m, related !== undefined ? { relatedRequestId: related } : undefined).catch(() => undefined);
        },
        close: () => {
          const id = transport.sessionId;
          if (id) sessions.delete(id);
          record?.direct?.dispose();
          void transport.close().catch(() => undefined);
        },
      };
      if (gateway !== undefined) {
        link.label = 'http gateway';
        session = new GatewaySession(manager, link, { servers: gateway, log: options.log });
      } else {
        const one = manager.open(serverName, link);
        Object.assign(one.link, { label: `http ${one.id}` });
        session = one;
      }
    } catch (err) {
      const e = WardenError.from(err);
      reply(res, e.code === 'UNKNOWN_SERVER' ? 404 : 503, e.message);
      return null;
    }
    transport.onmessage = (m) => session.receive(m as Message);
    transport.onclose = () => {
      record?.direct?.dispose();
      session.close('the HTTP session ended');
    };
    record = { transport, session, direct: undefined, owner: window };
    return record;
  };

  /** A request for a built-in server: its sessions live in their own map, bounded with the others. */
  const handleBuiltin = async (name: string, factory: () => Promise<BuiltinServer>, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const sid = req.headers['mcp-session-id'];
    if (typeof sid === 'string') {
      const b = builtinSessions.get(sid);
      if (!b || b.name !== name) return reply(res, 404, 'Unknown or expired MCP session; initialize again.');
      b.lastActivity = Date.now();
      await b.transport.handleRequest(req, res);
      return;
    }
    if (req.method !== 'POST') return reply(res, 400, 'No MCP session: POST an initialize request first.');
    if (sessions.size + builtinSessions.size >= MAX_HTTP_SESSIONS) {
      return reply(res, 503, `MCP Warden already holds ${MAX_HTTP_SESSIONS} HTTP sessions; end one (DELETE) and try again.`);
    }
    const { StreamableHTTPServerTransport } = await (sdk ??= import('@modelcontextprotocol/sdk/server/streamableHttp.js'));
    const server = await factory();
    let record: BuiltinSession | undefined;
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        if (record) builtinSessions.set(id, record);
      },
    });
    record = { transport, server, name, lastActivity: Date.now(), owner: windowOf(req.headers) };
    transport.onclose = () => {
      if (transport.sessionId) builtinSessions.delete(transport.sessionId);
      void server.close().catch(() => undefined);
    };
    await server.connect(transport);
    await transport.handleRequest(req, res);
    if (!transport.sessionId) void transport.close().catch(() => undefined);
  };

  return {
    get sessionCount() {
      return sessions.size + builtinSessions.size;
    },
    async handle(req, res, ctx) {
      try {
        const refused = checkRequest(req.headers, ctx, ctx.viaUnixSocket ? null : options.token());
        if (refused) return reply(res, refused[0], refused[1], refused[0] === 401 ? { 'www-authenticate': 'Bearer' } : {});
        const url = new URL(req.url ?? '/', 'http://localhost');
        const m = /^\/mcp\/([^/]+)\/?$/.exec(url.pathname);
        const isGateway = url.pathname === '/mcp' || url.pathname === '/mcp/';
        if (!m && !isGateway) return reply(res, 404, 'Not found: MCP Warden serves /mcp (the gateway) and /mcp/NAME.');
        // The gateway's servers: ?servers=a,b (all configured servers when absent).
        const gatewayServers = isGateway ? (url.searchParams.get('servers')?.split(',').map((x) => x.trim()).filter(Boolean) ?? null) : undefined;
        const serverName = m ? decodeURIComponent(m[1]!) : '';
        const builtin = m ? options.builtins?.get(serverName) : undefined;
        if (builtin) return await handleBuiltin(serverName, builtin, req, res);
        const sid = req.headers['mcp-session-id'];
        if (typeof sid === 'string') {
          const h = sessions.get(sid);
          if (!h || h.session.serverName !== serverName) return reply(res, 404, 'Unknown or expired MCP session; initialize again.');
          h.session.lastActivity = Date.now();
          if (req.method === 'POST' && directEligible(req)) return await handleDirect(h, sid, req, res, () => sessions.get(sid) === h);
          await h.transport.handleRequest(req, res);
          return;
        }
        if (req.method !== 'POST') return reply(res, 400, 'No MCP session: POST an initialize request first.');
        const h = await open(serverName, res, gatewayServers, windowOf(req.headers));
        if (!h) return;
        await h.transport.handleRequest(req, res);
        // Not an initialize (the SDK answered 400): nothing to keep.
        if (!h.transport.sessionId) h.session.close('no session was initialized');
      } catch (err) {
        options.log(`http: ${(err as Error).message}`);
        reply(res, 500, `MCP Warden could not handle the request: ${(err as Error).message}`);
      }
    },
    closeOwnedBy(owner, reason) {
      let n = 0;
      for (const [id, h] of [...sessions]) {
        if (h.owner !== owner) continue;
        sessions.delete(id);
        h.session.close(reason);
        n++;
      }
      for (const [id, b] of [...builtinSessions]) {
        if (b.owner !== owner) continue;
        builtinSessions.delete(id);
        void b.transport.close().catch(() => undefined);
        n++;
      }
      return n;
    },
    dispose() {
      clearInterval(sweeper);
      for (const h of [...sessions.values()]) h.session.close('MCP Warden is shutting down');
      sessions.clear();
      for (const b of [...builtinSessions.values()]) void b.transport.close().catch(() => undefined);
      builtinSessions.clear();
    },
  };
}
