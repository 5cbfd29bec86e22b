// Builders of snapshot data for the extension's unit tests (plain data; the helper sends the same shapes).
import { DEFAULT_SERVER_CAPS } from '../../../src/shared/config';
import type { HelperInfo, ServerSnapshot, WardenSnapshot } from '../../../src/shared/protocol';

export const MiB = 1024 * 1024;

export function server(name: string, over: Partial<ServerSnapshot> = {}): ServerSnapshot {
  return {
    name,
    state: 'running',
    stateReason: '',
    pid: 1000,
    command: 'node',
    args: ['server.mjs'],
    source: '/ws/.vscode/mcp.json',
    origin: 'workspace',
    rssBytes: 412 * MiB,
    memoryBytes: 412 * MiB,
    memorySource: 'pss',
    containment: null,
    children: 3,
    processes: [
      { pid: 1000, ppid: 1, command: 'node server.mjs', rssBytes: 400 * MiB },
      { pid: 1001, ppid: 1000, command: 'sleep 100', rssBytes: 12 * MiB },
    ],
    restarts: 0,
    startedAt: 0,
    tools: [{ name: 'echo', inputSchema: { type: 'object' } }],
    lastError: null,
    warnings: [],
    caps: { ...DEFAULT_SERVER_CAPS },
    inFlightRequests: 0,
    ...over,
  };
}

export function helperInfo(over: Partial<HelperInfo> = {}): HelperInfo {
  return { pid: 42, rssBytes: 50 * MiB, heapUsedBytes: 10 * MiB, startedAt: 0, nodeVersion: '24.0.0', reapedOrphans: 0, stateDir: '/s', controlSocket: null, containment: { backend: 'process-group', reason: 'test' }, ...over };
}

export function snapshot(servers: ServerSnapshot[], sampledAt = 1000, helper: Partial<HelperInfo> = {}): WardenSnapshot {
  return { sampledAt, helper: helperInfo(helper), servers };
}
