// How the Servers tree's other rows read: config-source groups, process rows, tool rows (live or cached), and the
// key that says whether a row must be redrawn. vscode-free so it is unit-tested.
import { formatBytes } from '../../shared/format';
import type { SpecOrigin } from '../../shared/config';
import type { ProcessInfo, ToolInfo, ToolUsage } from '../../shared/protocol';
import { escapeMarkdown, plainText, plural, processLabel, shortenCommand } from '../present/text';

export interface SourceGroup {
  source: string;
  origin: SpecOrigin | null;
  names: string[];
}

const ORIGIN_ORDER: Record<SpecOrigin, number> = { workspace: 0, user: 1, settings: 2, cli: 3 };

/** Servers grouped by the config file (or settings) they come from: workspace files first, then user files, then settings. */
export function groupBySource(entries: readonly { name: string; source: string | null; origin: SpecOrigin | null }[]): SourceGroup[] {
  const groups = new Map<string, SourceGroup>();
  for (const e of entries) {
    const source = e.source ?? 'unknown';
    let g = groups.get(source);
    if (!g) groups.set(source, (g = { source, origin: e.origin, names: [] }));
    g.names.push(e.name);
  }
  return [...groups.values()].sort(
    (a, b) => (ORIGIN_ORDER[a.origin ?? 'cli'] ?? 9) - (ORIGIN_ORDER[b.origin ?? 'cli'] ?? 9) || a.source.localeCompare(b.source),
  );
}

/** "my-app · .vscode/mcp.json", "~/.cursor/mcp.json", "User Settings". */
export function sourceLabel(source: string, folders: readonly { name: string; fsPath: string }[], home: string): { label: string; description: string } {
  if (source === 'settings') return { label: 'User Settings', description: 'mcpWarden.servers' };
  if (source === 'unknown') return { label: 'Other', description: '' };
  for (const f of folders) {
    const prefix = f.fsPath.endsWith('/') ? f.fsPath : `${f.fsPath}/`;
    if (source.startsWith(prefix)) return { label: source.slice(prefix.length), description: f.name };
  }
  const shown = home && source.startsWith(`${home}/`) ? `~/${source.slice(home.length + 1)}` : source;
  const slash = shown.lastIndexOf('/');
  return { label: slash >= 0 ? shown.slice(slash + 1) : shown, description: slash > 0 ? shown.slice(0, slash) : '' };
}

/** A process row: label "node leaky.mjs", description "pid 1234 · 41 MB". */
export function processRow(p: ProcessInfo, shownRssBytes = p.rssBytes): { label: string; description: string; tooltip: string; accessibleLabel: string } {
  const label = processLabel(p.command);
  const mem = formatBytes(shownRssBytes);
  return {
    label,
    description: `pid ${p.pid} · ${mem}`,
    tooltip: [`**${escapeMarkdown(label)}** — pid ${p.pid} (parent ${p.ppid})`, '', `Memory: ${formatBytes(p.rssBytes)}`, '', `Command: ${escapeMarkdown(shortenCommand(p.command, 200))}`].join('\n'),
    accessibleLabel: `Process ${p.pid}, ${label}, ${mem}`,
  };
}

interface SchemaProperty {
  type?: unknown;
  description?: unknown;
}

/** "query (string, required): what to search for" per property of a tool's input schema. */
export function toolParameters(tool: ToolInfo): string[] {
  const schema = tool.inputSchema ?? {};
  const props = (schema.properties && typeof schema.properties === 'object' ? schema.properties : {}) as Record<string, SchemaProperty>;
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  return Object.entries(props).map(([key, p]) => {
    const type = Array.isArray(p?.type) ? p.type.join(' | ') : typeof p?.type === 'string' ? p.type : 'any';
    const desc = typeof p?.description === 'string' ? `: ${p.description.split('\n')[0]}` : '';
    return `${key} (${type}${required.has(key) ? ', required' : ''})${desc}`;
  });
}

/** A tool row; a cached one (its server is not running) says so and cannot be called. */
export function toolRow(server: string, tool: ToolInfo, cached: boolean, usage?: ToolUsage): { description: string; tooltip: string; accessibleLabel: string } {
  const first = plainText(tool.description?.split('\n')[0] ?? '');
  // Calls through Warden by its clients (VS Code's agent, terminal agents), and the last error, before the description.
  const calls = usage?.calls ? `${plural(usage.calls, 'call', 'calls')}${usage.errors ? ` · ${plural(usage.errors, 'error', 'errors')}` : ''}` : '';
  // The row shows the last error itself (cut), so a failing tool is seen without hovering.
  const lastError = usage?.errors && usage.lastError ? `last error: ${shortenCommand(plainText(usage.lastError), 60)}` : '';
  const params = toolParameters(tool);
  const tooltip = [
    `**${escapeMarkdown(tool.name)}** — a tool of ${escapeMarkdown(server)}${cached ? ' (cached: the server is not running, so it cannot be called)' : ''}`,
    '',
    tool.description ? escapeMarkdown(tool.description.slice(0, 600)) : '*No description.*',
    ...(params.length ? ['', 'Parameters:', '', ...params.slice(0, 20).map((p) => `- ${escapeMarkdown(p)}`)] : []),
    ...(calls ? ['', `Called ${calls} through MCP Warden${usage?.lastError ? `; last error: ${escapeMarkdown(usage.lastError)}` : ''}`] : []),
  ].join('\n');
  return {
    description: [cached ? 'cached' : '', calls, lastError, first].filter(Boolean).join(' · '),
    tooltip,
    accessibleLabel: `Tool ${tool.name} of ${server}, ${cached ? 'cached, server not running' : 'available'}${calls ? `, ${calls}` : ''}${lastError ? `, ${lastError}` : ''}${first ? `, ${first}` : ''}`,
  };
}
