// The servers of each workspace folder's `.vscode/mcp.json`, as Warden's view lists them: VS Code's own (Warden neither
// starts them nor offers them to the agent), each either adoptable or with the reason it stays. vscode-free (unit-tested).
import { planWorkspaceAdoption, workspaceFiles } from '../../cli/adopt/workspace';
import type { WardenLauncher } from '../../cli/adopt/types';
import type { FolderInfo } from '../configSources';

export interface VsCodeServer {
  name: string;
  /** The folder's `.vscode/mcp.json`. */
  file: string;
  folder: string;
  folderName: string;
  /** Adopt would move it into `.vscode/mcp-warden.json`. */
  adoptable: boolean;
  /** Why it stays VS Code's (a remote server, `${input:…}`, already reaching Warden, a name taken), when not adoptable. */
  reason: string | null;
}

export interface VsCodeServerList {
  servers: VsCodeServer[];
  /** mcp.json or mcp-warden.json cannot be parsed: named, so the person can fix it. */
  problems: string[];
}

/** One folder's mcp.json servers, adoptable ones first; nothing (and no problem) when it has no mcp.json. */
export function listVsCodeServers(folder: FolderInfo, launcher?: WardenLauncher): VsCodeServerList {
  const plan = planWorkspaceAdoption(folder.fsPath, launcher);
  const file = workspaceFiles(folder.fsPath).mcpJson;
  const at = (name: string, adoptable: boolean, reason: string | null): VsCodeServer => ({ name, file, folder: folder.fsPath, folderName: folder.name, adoptable, reason });
  const servers = [
    ...plan.moved.filter((m) => m.container.length).map((m) => at(m.clientName, true, null)),
    ...plan.alreadyWarden.map((l) => at(l.name, false, l.reason)),
    // "servers" that is not an object is a problem with the file, not a server.
    ...plan.leftAlone.filter((l) => !(l.name === 'servers' && /not an object/.test(l.reason))).map((l) => at(l.name, false, l.reason)),
  ];
  const problems = [
    ...plan.unparseable.map((u) => `${u.path}: ${u.message}`),
    ...plan.leftAlone.filter((l) => l.name === 'servers' && /not an object/.test(l.reason)).map((l) => `${l.file}: "servers" is ${l.reason}`),
  ];
  return { servers, problems };
}

/** Every folder's, folders in order. */
export function listAllVsCodeServers(folders: readonly FolderInfo[], launcher?: WardenLauncher): VsCodeServerList {
  const out: VsCodeServerList = { servers: [], problems: [] };
  for (const f of folders) {
    const l = listVsCodeServers(f, launcher);
    out.servers.push(...l.servers);
    out.problems.push(...l.problems);
  }
  return out;
}

/** Row text: `VS Code's own · Adopt to run it under Warden`, or why it stays. */
export function vscodeServerDescription(s: VsCodeServer): string {
  return s.adoptable ? 'VS Code’s own, not run by Warden · Adopt to run it under Warden' : `VS Code’s own · ${s.reason ?? 'stays in mcp.json'}`;
}
