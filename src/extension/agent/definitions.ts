// Which of Warden's servers VS Code's agent is offered, and where it reaches each one: plain data, vscode-free (unit-tested).
import { createHash } from 'node:crypto';
import type { HelperEndpoints } from '../../shared/protocol';
import type { ServerEntry } from '../model';

/** Said in every label, so "MCP: List Servers" and the agent's tool picker show who runs the server. */
export const RUN_BY = 'run by MCP Warden';

/** Where VS Code connects: a unix socket (the URI `unix://<path>#<fragment>`) or loopback TCP with a bearer token. */
export type AgentAddress =
  | { kind: 'unix'; socketPath: string; fragment: string }
  | { kind: 'http'; url: string; headers: Record<string, string> };

export interface AgentDefinition {
  /** The server's name in Warden (and the path segment of its endpoint). */
  server: string;
  label: string;
  address: AgentAddress;
  /** VS Code caches a server's tools per version: it changes when the server's launch config does. */
  version: string;
}

export interface DefinitionInputs {
  entries: readonly ServerEntry[];
  endpoints: HelperEndpoints | null | undefined;
  /** vscode.workspace.isTrusted. */
  workspaceTrusted: boolean;
  /** Reads the bearer token file (only asked for when the endpoint is TCP); null when unreadable. */
  readToken: (file: string) => string | null;
}

/**
 * One definition per server Warden manages for this window (its own config report lists it), in name order. Left out:
 * servers of other windows and clients the engine also runs, servers from an untrusted
 * workspace's own files (listed in Warden's view, never started, never offered to the agent), instances the session
 * layer added for other roots or clients, and everything when the helper serves no endpoint. Then the servers the
 * helper answers itself (the memory store), after the configured ones.
 */
export function agentDefinitions(inputs: DefinitionInputs): AgentDefinition[] {
  const endpoints = inputs.endpoints;
  if (!endpoints || (!endpoints.unixSocket && !endpoints.http)) return [];
  let token: string | null | undefined;
  const out: AgentDefinition[] = [];
  for (const entry of inputs.entries) {
    // Only this window's own servers: the engine also runs other windows' workspace servers, which are theirs.
    if (entry.blocked || !entry.configured) continue;
    const snap = entry.snapshot;
    if (snap?.instanceOf) continue;
    const origin = snap?.origin;
    if (!inputs.workspaceTrusted && (origin === 'workspace' || origin === undefined)) continue;
    const path = `/mcp/${encodeURIComponent(entry.name)}`;
    let address: AgentAddress;
    if (endpoints.unixSocket) {
      address = { kind: 'unix', socketPath: endpoints.unixSocket, fragment: path };
    } else {
      token ??= endpoints.tokenFile ? inputs.readToken(endpoints.tokenFile) : null;
      if (!token) continue;
      address = { kind: 'http', url: `${endpoints.http!.replace(/\/mcp\/?$/, '')}${path}`, headers: { Authorization: `Bearer ${token}` } };
    }
    out.push({ server: entry.name, label: `${entry.name} (${RUN_BY})`, address, version: launchVersion(entry) });
  }
  // What the engine answers in-process (the memory store): user-level, so offered in untrusted workspaces too.
  if (endpoints.unixSocket) {
    for (const name of endpoints.builtins ?? []) {
      if (out.some((d) => d.server === name)) continue;
      out.push({ server: name, label: `${name} (${RUN_BY})`, address: { kind: 'unix', socketPath: endpoints.unixSocket, fragment: `/mcp/${encodeURIComponent(name)}` }, version: 'builtin' });
    }
  }
  return out;
}

function launchVersion(entry: ServerEntry): string {
  const s = entry.snapshot;
  return createHash('sha256').update(JSON.stringify([entry.source, s?.command ?? null, s?.args ?? null])).digest('hex').slice(0, 12);
}

/** Equal keys: VS Code need not be told (a snapshot that only changed memory figures must not make it re-read). */
export function definitionsKey(defs: readonly AgentDefinition[]): string {
  return JSON.stringify(defs.map((d) => [d.label, d.address, d.version]));
}
