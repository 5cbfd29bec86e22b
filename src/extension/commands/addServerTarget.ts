// Where Add Server writes: Warden's own files, never VS Code's `.vscode/mcp.json` (which VS Code would start itself).
// A workspace folder's `.vscode/mcp-warden.json`, or Warden's user config when no folder is open. vscode-free (unit-tested).
import { workspaceWardenJson, type FolderInfo } from '../configSources';

export interface AddServerTarget {
  path: string;
  /** How the pick and the confirmation name it. */
  label: string;
  description: string;
  /** Warden's user config holds env values (API keys): written 0600. A workspace file keeps mcp.json's usual mode. */
  userLevel: boolean;
}

/**
 * The files a new server may go to, the first being the default: each folder's Warden file (the workspace's servers
 * first, as the workspace is where a person adds a server for), then the user config (every window, every workspace).
 */
export function addServerTargets(folders: readonly FolderInfo[], userConfig: string): AddServerTarget[] {
  const out: AddServerTarget[] = folders.map((f) => ({
    path: workspaceWardenJson(f),
    label: folders.length > 1 ? `${f.name}: .vscode/mcp-warden.json` : '.vscode/mcp-warden.json',
    description: 'this workspace only',
    userLevel: false,
  }));
  out.push({ path: userConfig, label: 'Warden user config', description: `${userConfig} · every workspace`, userLevel: true });
  return out;
}

/** Asks only where there is a choice to make: one folder (or none) goes straight to its file. */
export function needsTargetPick(targets: readonly AddServerTarget[]): boolean {
  return targets.filter((t) => !t.userLevel).length > 1;
}
