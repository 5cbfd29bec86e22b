// Real MCP clients of a Warden engine for tests and benchmarks: the SDK's Client through `mcp-warden connect` (a real
// bridge process), over Streamable HTTP on the engine's unix socket or on 127.0.0.1 with the token; and the engine
// itself (`mcp-warden run`) as a child process with a per-test state dir and user-config dir.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema, ListRootsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { Agent, fetch as undiciFetch } from 'undici';
import { SessionsRequest, type SessionsInfo } from '../../src/shared/protocol';
import { connectToHelper } from '../../src/helper/control/controlClient';
import { repoRoot, tempDir } from './fixtures';
import { waitFor } from './procfs';

export const cli = join(repoRoot, 'dist/cli.js');

export interface StatusJson {
  helper: { pid: number; rssBytes: number; heapUsedBytes: number };
  endpoints: { unixSocket: string | null; http: string | null; tokenFile: string | null };
  servers: { name: string; state: string; pid: number | null; rssBytes: number; children: number; restarts: number; tools: string[]; lastError: string | null }[];
}

/** A state dir and a user-config dir (MCP_WARDEN_CONFIG_DIR) holding `servers`. */
export function wardenHome(label: string, servers: Record<string, unknown>): { stateDir: string; configDir: string; env: NodeJS.ProcessEnv } {
  const root = tempDir(label);
  const stateDir = join(root, 'state');
  const configDir = join(root, 'config');
  mkdirSync(configDir, { recursive: true });
  writeFileSync(join(configDir, 'servers.json'), JSON.stringify({ servers }, null, 2));
  return { stateDir, configDir, env: { ...process.env, MCP_WARDEN_CONFIG_DIR: configDir } };
}

export function mcpWarden(env: NodeJS.ProcessEnv, ...args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000, env });
}

export function status(stateDir: string, env: NodeJS.ProcessEnv): StatusJson {
  const r = mcpWarden(env, 'status', '--json', '--state-dir', stateDir);
  if (r.status !== 0) throw new Error(`status failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as StatusJson;
}

export interface EngineHandle {
  child: ChildProcess;
  output: () => string;
  status: () => StatusJson;
  sessions: () => Promise<SessionsInfo>;
}

/** `mcp-warden run` serving clients (and TCP HTTP on a free port when `http`). */
export async function startEngineProcess(stateDir: string, env: NodeJS.ProcessEnv, options: { http?: boolean; args?: string[]; execArgv?: string[] } = {}): Promise<EngineHandle> {
  const child = spawn(process.execPath, [...(options.execArgv ?? []), cli, 'run', '--state-dir', stateDir, ...(options.http ? ['--http-port', '0'] : []), ...(options.args ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out = (out + d).slice(-50_000)));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out = (out + d).slice(-50_000)));
  await waitFor('the engine serving clients', () => {
    if (child.exitCode !== null) throw new Error(`the engine exited: ${out}`);
    const r = mcpWarden(env, 'status', '--json', '--state-dir', stateDir);
    return r.status === 0 && (JSON.parse(r.stdout) as StatusJson).endpoints.unixSocket !== null && (JSON.parse(r.stdout) as StatusJson).helper.pid === child.pid;
  }, 30_000, 100);
  return {
    child,
    output: () => out,
    status: () => status(stateDir, env),
    sessions: () => engineSessions(stateDir, child.pid!),
  };
}

export async function engineSessions(stateDir: string, pid?: number): Promise<SessionsInfo> {
  const control = await connectToHelper(stateDir, pid);
  try {
    const info = await control.connection.sendRequest(SessionsRequest.type);
    if (!info) throw new Error('the helper serves no sessions');
    return info;
  } finally {
    control.close();
  }
}

export interface ClientOptions {
  /** Declare roots and answer roots/list with these URIs (read at each roots/list: change the array, then sendRootsListChanged). */
  roots?: string[];
  /** Declare sampling and answer with this text. */
  sampling?: string;
  name?: string;
}

function makeClient(options: ClientOptions): Client {
  const capabilities: Record<string, unknown> = {};
  if (options.roots) capabilities.roots = { listChanged: true };
  if (options.sampling !== undefined) capabilities.sampling = {};
  const client = new Client({ name: options.name ?? 'warden-test', version: '1.0.0' }, { capabilities });
  if (options.roots) {
    const roots = options.roots;
    client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: roots.map((uri) => ({ uri })) }));
  }
  if (options.sampling !== undefined) {
    const text = options.sampling;
    client.setRequestHandler(CreateMessageRequestSchema, async () => ({ role: 'assistant', content: { type: 'text', text }, model: 'test' }));
  }
  return client;
}

export interface BridgeClient {
  client: Client;
  /** The bridge process (`mcp-warden connect`). */
  bridgePid: number;
  stderr: () => string;
  close: () => Promise<void>;
}

/** The SDK client through a real `mcp-warden connect NAME` process. */
export async function connectThroughBridge(stateDir: string, env: NodeJS.ProcessEnv, name: string, options: ClientOptions = {}): Promise<BridgeClient> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [cli, 'connect', name, '--state-dir', stateDir], env: env as Record<string, string>, stderr: 'pipe' });
  let err = '';
  transport.stderr?.on('data', (d: Buffer) => (err = (err + d.toString('utf8')).slice(-10_000)));
  const client = makeClient(options);
  await client.connect(transport);
  return { client, bridgePid: transport.pid!, stderr: () => err, close: () => client.close() };
}

export interface HttpClient {
  client: Client;
  transport: StreamableHTTPClientTransport;
  close: () => Promise<void>;
}

/** The SDK client over Streamable HTTP: on the engine's unix socket (`socketPath`) or on TCP with `token`. */
export async function connectOverHttp(url: string, options: ClientOptions & { socketPath?: string; token?: string; headers?: Record<string, string> } = {}): Promise<HttpClient> {
  const agent = options.socketPath ? new Agent({ connect: { socketPath: options.socketPath } }) : new Agent();
  const fetchVia = ((u: string | URL, init?: RequestInit) => undiciFetch(u, { ...(init as object), dispatcher: agent } as never)) as unknown as typeof fetch;
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const transport = new StreamableHTTPClientTransport(new URL(url), { fetch: fetchVia, requestInit: { headers } });
  const client = makeClient(options);
  await client.connect(transport);
  return {
    client,
    transport,
    close: async () => {
      await transport.terminateSession().catch(() => undefined);
      await client.close();
      await agent.close();
    },
  };
}

export function readToken(file: string): string {
  return readFileSync(file, 'utf8').trim();
}

/** A raw HTTP POST over TCP or the unix socket, for status-code checks (node:http, so Host can be forged). */
export function rawPost(url: string, headers: Record<string, string>, body: unknown, socketPath?: string): Promise<{ status: number; text: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        ...(socketPath ? { socketPath } : { host: u.hostname, port: u.port }),
        path: u.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        // An accepted initialize answers on an SSE stream that stays open: the status is enough.
        if (res.statusCode === 200) {
          resolve({ status: 200, text: '' });
          res.destroy();
          return;
        }
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

export const INITIALIZE = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };

export function tempLabel(label: string): string {
  return tempDir(label);
}
