// Who calls what: per server, the clients that called it and tools/call counts, errors and latency, all bounded.
import { BoundedMap, RingBuffer } from '../../shared/bounded';
import type { ServerUsage, ToolUsage } from '../../shared/protocol';

export const MAX_SERVERS = 256;
export const MAX_TOOLS_PER_SERVER = 64;
export const MAX_CLIENTS_PER_SERVER = 16;
export const DURATIONS_KEPT = 256;
const MAX_ERROR_CHARS = 300;

/**
 * Who a client is: the name it gave in initialize, its way in (`connect`, `gateway`, `http`), and for VS Code's agent
 * the window it runs in (the id Warden's provider sends as `X-MCP-Warden-Window`), so two windows are two clients.
 */
export interface ClientRef {
  name: string;
  via?: string | null;
  window?: string | null;
}

/** The map key of a client (a plain string names a client with no way in or window known: tests, old callers). */
export function clientKey(client: ClientRef | string): string {
  const c = typeof client === 'string' ? { name: client } : client;
  return JSON.stringify([c.name, c.via ?? null, c.window ?? null]);
}

function clientOfKey(key: string): { name: string; via: string | null; window: string | null } {
  const [name, via, window] = JSON.parse(key) as [string, string | null, string | null];
  return { name, via, window };
}

interface ServerEntry {
  calls: number;
  errors: number;
  durationsMs: RingBuffer<number>;
  lastCallAt: number | null;
  lastError: string | null;
  tools: BoundedMap<string, ToolUsage>;
  clients: BoundedMap<string, { calls: number; lastCallAt: number | null }>;
}

function percentile(sorted: number[], p: number): number | null {
  if (!sorted.length) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round(sorted[i]! * 100) / 100;
}

export class CallStats {
  private readonly servers = new BoundedMap<string, ServerEntry>(MAX_SERVERS);

  private entry(server: string): ServerEntry {
    let e = this.servers.get(server);
    if (!e) {
      e = {
        calls: 0,
        errors: 0,
        durationsMs: new RingBuffer<number>(DURATIONS_KEPT),
        lastCallAt: null,
        lastError: null,
        tools: new BoundedMap(MAX_TOOLS_PER_SERVER),
        clients: new BoundedMap(MAX_CLIENTS_PER_SERVER),
      };
      this.servers.set(server, e);
    }
    return e;
  }

  /** A client connected (it shows among the clients before its first call). */
  noteClient(server: string, client: ClientRef | string): void {
    const e = this.entry(server);
    const key = clientKey(client);
    if (!e.clients.has(key)) e.clients.set(key, { calls: 0, lastCallAt: null });
  }

  /** One tools/call settled: `error` null for a result that is not an error. */
  record(server: string, tool: string, clientRef: ClientRef | string, durationMs: number, error: string | null, at = Date.now()): void {
    const client = clientKey(clientRef);
    const e = this.entry(server);
    e.calls++;
    e.durationsMs.push(durationMs);
    e.lastCallAt = at;
    const t = e.tools.get(tool) ?? { name: tool, calls: 0, errors: 0, lastError: null, lastCallAt: null };
    t.calls++;
    t.lastCallAt = at;
    if (error !== null) {
      const text = error.length > MAX_ERROR_CHARS ? `${error.slice(0, MAX_ERROR_CHARS)}…` : error;
      e.errors++;
      e.lastError = text;
      t.errors++;
      t.lastError = text;
    }
    e.tools.set(tool, t);
    const c = e.clients.get(client) ?? { calls: 0, lastCallAt: null };
    c.calls++;
    c.lastCallAt = at;
    e.clients.set(client, c);
  }

  /** `sessions`: live sessions per client (keyed by clientKey) for this server (from the session layer). */
  usage(server: string, sessions: ReadonlyMap<string, number>): ServerUsage | undefined {
    const e = this.servers.get(server);
    if (!e && !sessions.size) return undefined;
    const keys = new Set([...(e ? [...e.clients.keys()] : []), ...sessions.keys()]);
    const clients = [...keys]
      .map((key) => ({ ...clientOfKey(key), sessions: sessions.get(key) ?? 0, calls: e?.clients.get(key)?.calls ?? 0, lastCallAt: e?.clients.get(key)?.lastCallAt ?? null }))
      .sort((a, b) => b.calls - a.calls || b.sessions - a.sessions || a.name.localeCompare(b.name));
    const sorted = e ? e.durationsMs.toArray().sort((a, b) => a - b) : [];
    return {
      clients,
      calls: e?.calls ?? 0,
      errors: e?.errors ?? 0,
      p50Ms: percentile(sorted, 50),
      p95Ms: percentile(sorted, 95),
      lastCallAt: e?.lastCallAt ?? null,
      lastError: e?.lastError ?? null,
      tools: e ? [...e.tools.values()].map((t) => ({ ...t })).sort((a, b) => b.calls - a.calls || a.name.localeCompare(b.name)) : [],
    };
  }

  get size(): number {
    return this.servers.size;
  }

  clear(): void {
    this.servers.clear();
  }
}
