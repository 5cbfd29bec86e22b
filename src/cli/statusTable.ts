// Renders servers as a fixed-width table for the terminal (`run` on a TTY, `status`).
import { formatBytes } from '../shared/format';
import type { ServerSnapshot, WardenSnapshot } from '../shared/protocol';

function pad(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s.padEnd(n);
}

export function renderTable(snapshot: WardenSnapshot): string {
  const head = `${pad('NAME', 20)} ${pad('STATE', 9)} ${pad('PID', 8)} ${pad('MEMORY', 10)} ${pad('RSS', 10)} ${pad('CHILDREN', 8)} ${pad('RESTARTS', 8)} ${pad('CONTAINED', 14)} NOTE`;
  const rows = snapshot.servers.map((s: ServerSnapshot) => {
    const note = s.state === 'running' ? (s.warnings[0]?.message ?? `${s.tools.length} tools`) : (s.lastError ?? s.stateReason);
    return `${pad(s.name, 20)} ${pad(s.state, 9)} ${pad(s.pid ? String(s.pid) : '-', 8)} ${pad(formatBytes(s.memoryBytes), 10)} ${pad(formatBytes(s.rssBytes), 10)} ${pad(String(s.children), 8)} ${pad(String(s.restarts), 8)} ${pad(s.containment?.backend ?? '-', 14)} ${note.replace(/\s+/g, ' ').slice(0, 80)}`;
  });
  const h = snapshot.helper;
  const contained = h.containment ? `containment ${h.containment.backend}: ${h.containment.reason}` : '';
  const windows = h.windows?.length ? `windows: ${h.windows.map((w) => `${w.label}${w.pid ? ` (extension host ${w.pid})` : ''}`).join(', ')}` : '';
  return [`MCP Warden helper ${h.pid} · ${formatBytes(h.rssBytes)} RSS · ${snapshot.servers.length} servers · state ${h.stateDir}`, contained, windows, head, ...rows].filter(Boolean).join('\n');
}

/** The `status --json` shape promised in the README. */
export function statusJson(snapshot: WardenSnapshot) {
  return {
    helper: { pid: snapshot.helper.pid, rssBytes: snapshot.helper.rssBytes, heapUsedBytes: snapshot.helper.heapUsedBytes, containment: snapshot.helper.containment ?? null },
    endpoints: snapshot.helper.endpoints ?? { unixSocket: null, http: null, tokenFile: null },
    // The editor windows attached to this engine (each a client: its servers are held while it is open).
    windows: (snapshot.helper.windows ?? []).map((w) => ({ label: w.label, pid: w.pid, attachedAt: w.attachedAt })),
    servers: snapshot.servers.map((s) => ({
      name: s.name,
      state: s.state,
      pid: s.pid,
      rssBytes: s.rssBytes,
      memoryBytes: s.memoryBytes,
      memorySource: s.memorySource,
      containment: s.containment,
      children: s.children,
      restarts: s.restarts,
      tools: s.tools.map((t) => t.name),
      lastError: s.lastError,
      // Who calls what through the session layer (clients, tools/call counts and latency); null before any client.
      usage: s.usage ?? null,
    })),
  };
}
