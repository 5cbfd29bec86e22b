// Other clients' servers that VS Code discovers (Claude Desktop, Cursor: `chat.mcp.discovery.enabled`): which clients
// that covers, and the `mcp-warden adopt` plan for them (the CLI's own library: Warden's user config gets the servers,
// the client's entry becomes `<node> <cli.js> connect NAME`). vscode-free (unit-tested).
import { clientFiles } from '../../cli/adopt/clients';
import { clientHomeDir } from '../../cli/adopt/clients/home';
import { planAdoption, type AdoptionPlan } from '../../cli/adopt/planner';
import type { ClientId, WardenLauncher } from '../../cli/adopt/types';

/** The clients whose files VS Code can discover, and what Warden's adopt calls them. */
const DISCOVERY_KEYS: Record<string, ClientId> = {
  'claude-desktop': 'claude-desktop',
  'cursor-global': 'cursor',
  'cursor-workspace': 'cursor',
};

export const DISCOVERABLE_CLIENTS: readonly ClientId[] = ['claude-desktop', 'cursor'];

export const CLIENT_LABELS: Record<ClientId, string> = {
  'claude-code': 'Claude Code',
  'claude-desktop': 'Claude Desktop',
  cursor: 'Cursor',
  vscode: 'VS Code (user mcp.json)',
  codex: 'Codex',
};

/** `chat.mcp.discovery.enabled`: a boolean (older VS Code) or a map of source → boolean (1.101+). */
export function discoveredClients(setting: unknown): ClientId[] {
  if (setting === true) return [...DISCOVERABLE_CLIENTS];
  if (!setting || typeof setting !== 'object' || Array.isArray(setting)) return [];
  const out = new Set<ClientId>();
  for (const [key, on] of Object.entries(setting as Record<string, unknown>)) if (on === true && DISCOVERY_KEYS[key]) out.add(DISCOVERY_KEYS[key]!);
  return DISCOVERABLE_CLIENTS.filter((c) => out.has(c));
}

export interface OtherClientsInputs {
  clients: readonly ClientId[];
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  /** The workspace folder, for the clients' project files (`.cursor/mcp.json`); undefined: user files only. */
  projectDir?: string;
  wardenConfigPath: string;
  launcher: WardenLauncher;
}

/** What `mcp-warden adopt --client …` would do for these clients; nothing is written. */
export function planOtherClients(i: OtherClientsInputs): AdoptionPlan {
  const ctx = { platform: i.platform, env: i.env, homeDir: clientHomeDir(i.env, i.platform), projectDir: i.projectDir };
  return planAdoption({ files: clientFiles(i.clients, ctx), wardenConfigPath: i.wardenConfigPath, launcher: i.launcher });
}

/** Servers a plan moves, per client: "Claude Desktop: a, b · Cursor: c". */
export function movedSummary(plan: AdoptionPlan): string {
  const by = new Map<ClientId, string[]>();
  for (const m of plan.moved) by.set(m.client, [...(by.get(m.client) ?? []), m.clientName]);
  return [...by].map(([c, names]) => `${CLIENT_LABELS[c]}: ${names.join(', ')}`).join(' · ');
}
