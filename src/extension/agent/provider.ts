// Offers Warden's servers to VS Code's own MCP client (the agent) through `vscode.lm.registerMcpServerDefinitionProvider`,
// as HTTP definitions pointing at the per-user engine's endpoint, and tells VS Code when the set changes.
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { WINDOW_HEADER } from '../../shared/protocol';
import type { WardenModel } from '../model';
import { agentDefinitions, definitionsKey, type AgentDefinition } from './definitions';

/** Declared in package.json's contributes.mcpServerDefinitionProviders. */
export const AGENT_PROVIDER_ID = 'mcpWarden.servers';

function readToken(file: string): string | null {
  try {
    return readFileSync(file, 'utf8').trim() || null;
  } catch {
    return null;
  }
}

/** The header that names this window to Warden's endpoint (who-calls-what tells windows apart by it, and the engine ends
 * the window's sessions when it detaches). */
export { WINDOW_HEADER };

function toVsCode(def: AgentDefinition, windowId: string): vscode.McpServerDefinition {
  const a = def.address;
  // Uri.from, not parse: a state dir with spaces or `#` in its path stays one path.
  const uri = a.kind === 'unix' ? vscode.Uri.from({ scheme: 'unix', path: a.socketPath, fragment: a.fragment }) : vscode.Uri.parse(a.url);
  return new vscode.McpHttpServerDefinition(def.label, uri, { ...(a.kind === 'http' ? a.headers : {}), [WINDOW_HEADER]: windowId }, def.version);
}

export function registerAgentServers(model: WardenModel): vscode.Disposable | undefined {
  const lm = (vscode as { lm?: Partial<typeof vscode.lm> }).lm;
  // Older editors (and some forks) lack the API: Warden still runs the servers, the agent just is not offered them.
  if (typeof lm?.registerMcpServerDefinitionProvider !== 'function' || typeof vscode.McpHttpServerDefinition !== 'function') return undefined;
  const changed = new vscode.EventEmitter<void>();
  const compute = () =>
    agentDefinitions({ entries: model.servers(), endpoints: model.helper?.endpoints, workspaceTrusted: vscode.workspace.isTrusted, readToken });
  let current = compute();
  let key = definitionsKey(current);
  const refresh = () => {
    const next = compute();
    const nextKey = definitionsKey(next);
    if (nextKey === key) return;
    current = next;
    key = nextKey;
    changed.fire();
  };
  const subs: vscode.Disposable[] = [
    changed,
    model.onDidChange(() => refresh()),
    vscode.workspace.onDidGrantWorkspaceTrust(() => refresh()),
    lm.registerMcpServerDefinitionProvider(AGENT_PROVIDER_ID, {
      onDidChangeMcpServerDefinitions: changed.event,
      provideMcpServerDefinitions: () => current.map((d) => toVsCode(d, model.windowId)),
    }),
  ];
  return vscode.Disposable.from(...subs);
}
