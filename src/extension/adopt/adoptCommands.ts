// Adoption in the editor: the once-per-window offer for a workspace's `.vscode/mcp.json`, `Adopt Servers from
// mcp.json`, `Undo Adoption`, and `Adopt Servers from Other Clients…` (Claude Desktop, Cursor) with a diff preview.
// The file work is the adopt library's (src/cli/adopt/): backups and the log in `<state dir>/adopt/`, comments kept.
import * as vscode from 'vscode';
import { applyAdoption } from '../../cli/adopt/apply';
import type { AdoptionPlan } from '../../cli/adopt/planner';
import type { ClientId, WardenLauncher } from '../../cli/adopt/types';
import { planWorkspaceAdoption } from '../../cli/adopt/workspace';
import { applyWorkspaceUndo, planWorkspaceUndo } from '../../cli/adopt/workspaceUndo';
import { userServersConfigPath } from '../../helper/platform/userConfig';
import { WardenError } from '../../shared/errors';
import type { WardenModel } from '../model';
import { plainText, plural } from '../present/text';
import type { ServersNode } from '../views/serversTree';
import { answerOf, OFFER_BUTTONS, OFFER_KEY, offerMessage, offerWhere, rememberAnswer, shouldOffer, type OfferMemory } from './offer';
import { CLIENT_LABELS, discoveredClients, DISCOVERABLE_CLIENTS, movedSummary, planOtherClients } from './otherClients';

/** Warden's user-level offer for other clients' files: remembered per user, not per workspace. */
const OTHER_CLIENTS_KEY = 'mcpWarden.otherClientsOffer';
const PREVIEW_SCHEME = 'mcp-warden-adopt';
/** At most this many preview texts are held (one per file of the last preview). */
const MAX_PREVIEWS = 32;

export interface AdoptionDeps {
  context: vscode.ExtensionContext;
  model: WardenModel;
  output: vscode.LogOutputChannel;
  /** Where adopt keeps backups and its log: the helper's state dir. */
  stateDir: () => string;
  /** The command line a client gets to reach Warden; undefined until the helper's runtime is known. */
  launcher: () => WardenLauncher | undefined;
  /** Re-reads the config files now (the watchers would, a moment later). */
  refresh: () => void;
}

type Folder = { name: string; fsPath: string };

function folders(): Folder[] {
  return (vscode.workspace.workspaceFolders ?? []).map((f) => ({ name: f.name, fsPath: f.uri.fsPath }));
}

function errorText(err: unknown): string {
  return plainText(WardenError.from(err).message);
}

export class AdoptionController implements vscode.Disposable {
  private readonly subscriptions: vscode.Disposable[] = [];
  private offeredThisWindow = false;
  private offeredOthersThisWindow = false;
  private readonly previews = new Map<string, string>();
  private previewSeq = 0;

  constructor(private readonly deps: AdoptionDeps) {
    const r = vscode.commands.registerCommand;
    this.subscriptions.push(
      r('mcpWarden.adoptWorkspace', (node?: ServersNode) => this.adoptCommand(node)),
      r('mcpWarden.undoAdoption', () => this.undoCommand()),
      r('mcpWarden.adoptOtherClients', () => this.adoptOtherClients()),
      vscode.workspace.registerTextDocumentContentProvider(PREVIEW_SCHEME, { provideTextDocumentContent: (uri) => this.previews.get(uri.toString()) ?? '' }),
      deps.model.onDidChangeVsCodeServers(() => void this.maybeOffer()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.maybeOffer()),
    );
  }

  // ------------------------------------------------------------------------------------------------
  // The workspace's own mcp.json.

  private adoptableByFolder(): Map<string, { folder: Folder; names: string[] }> {
    const out = new Map<string, { folder: Folder; names: string[] }>();
    const byPath = new Map(folders().map((f) => [f.fsPath, f]));
    for (const s of this.deps.model.vscodeServers()) {
      if (!s.adoptable) continue;
      const folder = byPath.get(s.folder);
      if (!folder) continue;
      const e = out.get(s.folder) ?? { folder, names: [] };
      e.names.push(s.name);
      out.set(s.folder, e);
    }
    return out;
  }

  private async maybeOffer(): Promise<void> {
    const state = this.deps.context.workspaceState;
    const byFolder = this.adoptableByFolder();
    const names = [...byFolder.values()].flatMap((f) => f.names);
    const memory = state.get<OfferMemory>(OFFER_KEY);
    if (!shouldOffer({ trusted: vscode.workspace.isTrusted, adoptable: names, memory, offeredThisWindow: this.offeredThisWindow })) {
      void this.maybeOfferOtherClients();
      return;
    }
    this.offeredThisWindow = true;
    const text = offerMessage(offerWhere([...byFolder.values()].map((f) => f.folder.name), folders().length > 1), names);
    const button = await vscode.window.showInformationMessage(text, OFFER_BUTTONS.adopt, OFFER_BUTTONS.notNow, OFFER_BUTTONS.never);
    const answer = answerOf(button);
    await state.update(OFFER_KEY, rememberAnswer(memory, answer));
    if (answer === 'adopt') for (const f of byFolder.values()) await this.adoptFolder(f.folder);
  }

  private async adoptCommand(node?: ServersNode): Promise<void> {
    if (!vscode.workspace.isTrusted) {
      const b = await vscode.window.showWarningMessage(
        'MCP Warden adopts a workspace’s servers only once the workspace is trusted: its servers run code from the workspace.',
        'Manage Workspace Trust',
      );
      if (b) await vscode.commands.executeCommand('workbench.trust.manage');
      return;
    }
    const byFolder = this.adoptableByFolder();
    let folder: Folder | undefined;
    if (node?.kind === 'vscodeServer') folder = folders().find((f) => f.fsPath === node.entry.folder);
    else if (byFolder.size === 1) folder = [...byFolder.values()][0]!.folder;
    else if (byFolder.size > 1) {
      const picked = await vscode.window.showQuickPick(
        [...byFolder.values()].map((f) => ({ label: f.folder.name, description: f.names.join(', '), folder: f.folder })),
        { placeHolder: 'Adopt the servers of which folder’s .vscode/mcp.json?' },
      );
      folder = picked?.folder;
      if (!folder) return;
    }
    if (!folder) {
      void vscode.window.showInformationMessage('MCP Warden: no .vscode/mcp.json in this workspace has a local (stdio) server to adopt.');
      return;
    }
    await this.adoptFolder(folder);
  }

  private async adoptFolder(folder: Folder): Promise<void> {
    let plan: AdoptionPlan;
    try {
      plan = planWorkspaceAdoption(folder.fsPath, this.deps.launcher());
      if (!plan.unparseable.length && !plan.moved.length) {
        const why = plan.leftAlone.map((l) => `${l.name}: ${l.reason}`).join('; ');
        void vscode.window.showInformationMessage(`MCP Warden: nothing in ${folder.name}'s .vscode/mcp.json to adopt${why ? ` (${why})` : ''}.`);
        return;
      }
      applyAdoption(plan, this.deps.stateDir());
    } catch (err) {
      void vscode.window.showErrorMessage(`MCP Warden: nothing was adopted: ${errorText(err)}`);
      return;
    }
    const names = plan.moved.filter((m) => m.container.length).map((m) => m.clientName);
    const caps = plan.moved.some((m) => !m.container.length);
    this.deps.output.info(`adopted ${names.join(', ')}${caps ? ' and the file\'s "warden" caps' : ''} from ${plan.changes[0]?.path} into ${plan.wardenConfig?.path}`);
    this.deps.refresh();
    const left = plan.leftAlone.length ? ` ${plural(plan.leftAlone.length, 'entry stays', 'entries stay')} in mcp.json (${plan.leftAlone.map((l) => l.name).join(', ')}).` : '';
    void vscode.window
      .showInformationMessage(
        `MCP Warden adopted ${names.map((n) => `"${n}"`).join(', ')}: moved from .vscode/mcp.json (its comments kept, a backup made) to .vscode/mcp-warden.json. ` +
          `Warden runs ${names.length === 1 ? 'it' : 'them'} and VS Code's agent reaches ${names.length === 1 ? 'it' : 'them'} through Warden.${left}`,
        'Open mcp-warden.json',
        'Undo Adoption',
      )
      .then(async (b) => {
        if (b === 'Undo Adoption') await this.undoFolder(folder);
        else if (b && plan.wardenConfig) await vscode.window.showTextDocument(vscode.Uri.file(plan.wardenConfig.path));
      });
  }

  private async undoCommand(): Promise<void> {
    const withAdoptions = folders().filter((f) => {
      try {
        return planWorkspaceUndo(f.fsPath, this.deps.stateDir()).files.length > 0;
      } catch {
        return false;
      }
    });
    if (!withAdoptions.length) {
      void vscode.window.showInformationMessage('MCP Warden: no adoption of a .vscode/mcp.json in this workspace to undo.');
      return;
    }
    let folder: Folder | undefined = withAdoptions[0];
    if (withAdoptions.length > 1) {
      const picked = await vscode.window.showQuickPick(withAdoptions.map((f) => ({ label: f.name, description: f.fsPath, folder: f })), {
        placeHolder: 'Undo the adoption of which folder’s .vscode/mcp.json?',
      });
      folder = picked?.folder;
    }
    if (folder) await this.undoFolder(folder);
  }

  private async undoFolder(folder: Folder): Promise<void> {
    const stateDir = this.deps.stateDir();
    try {
      const plan = planWorkspaceUndo(folder.fsPath, stateDir);
      if (!plan.files.length) {
        void vscode.window.showInformationMessage(`MCP Warden: ${folder.name}'s .vscode/mcp.json has no adoption to undo.`);
        return;
      }
      let force = false;
      if (plan.conflicts.length) {
        const b = await vscode.window.showWarningMessage(
          `${folder.name}'s .vscode/mcp.json changed since it was adopted.`,
          { modal: true, detail: 'Undo Anyway puts the adopted servers back into it as they were written and keeps your later edits; today’s file is kept as a backup.' },
          'Undo Anyway',
        );
        if (b !== 'Undo Anyway') return;
        force = true;
      }
      const { replacedBackups } = applyWorkspaceUndo(plan, stateDir, force);
      this.deps.refresh();
      const exact = plan.files.every((f) => f.how === 'exact');
      const kept = plan.kept.length ? ` Kept in mcp-warden.json (changed since): ${plan.kept.map((k) => k.name).join(', ')}.` : '';
      this.deps.output.info(`undid the adoption of ${folder.fsPath}/.vscode/mcp.json (${exact ? 'byte for byte' : 'merged'})${replacedBackups.length ? `; today's bytes kept in ${replacedBackups.join(', ')}` : ''}`);
      void vscode.window.showInformationMessage(
        `MCP Warden: undid the adoption; .vscode/mcp.json is back ${exact ? 'byte for byte' : 'with the adopted servers, your later edits kept'}.${kept}`,
      );
    } catch (err) {
      void vscode.window.showErrorMessage(`MCP Warden: could not undo the adoption: ${errorText(err)}`);
    }
  }

  // ------------------------------------------------------------------------------------------------
  // Other clients' files (`mcp-warden adopt`).

  private planOthers(clients: readonly ClientId[]): AdoptionPlan | undefined {
    const launcher = this.deps.launcher();
    if (!launcher) return undefined;
    return planOtherClients({
      clients,
      env: process.env,
      platform: process.platform,
      wardenConfigPath: userServersConfigPath(),
      launcher,
    });
  }

  /** Offered once per window when VS Code discovers another client's servers, until "Never". */
  async maybeOfferOtherClients(): Promise<void> {
    if (this.offeredOthersThisWindow) return;
    const clients = discoveredClients(vscode.workspace.getConfiguration('chat.mcp').get('discovery.enabled'));
    if (!clients.length) return;
    const state = this.deps.context.globalState;
    const memory = state.get<OfferMemory>(OTHER_CLIENTS_KEY);
    if (memory?.never) return;
    let plan: AdoptionPlan | undefined;
    try {
      plan = this.planOthers(clients);
    } catch {
      return;
    }
    if (!plan || !plan.moved.length || plan.unparseable.length) return;
    this.offeredOthersThisWindow = true;
    const b = await vscode.window.showInformationMessage(
      `VS Code starts servers of other clients too (${movedSummary(plan)}). MCP Warden can run them instead: one supervised copy for every client.`,
      'Adopt…',
      OFFER_BUTTONS.notNow,
      'Never',
    );
    if (b === 'Never') await state.update(OTHER_CLIENTS_KEY, { ...memory, never: true });
    if (b === 'Adopt…') await this.adoptOtherClients(clients);
  }

  private async adoptOtherClients(preselected?: readonly ClientId[]): Promise<void> {
    let clients = preselected;
    if (!clients) {
      const discovered = discoveredClients(vscode.workspace.getConfiguration('chat.mcp').get('discovery.enabled'));
      const picked = await vscode.window.showQuickPick(
        (['claude-desktop', 'cursor', 'claude-code', 'codex', 'vscode'] as ClientId[]).map((c) => ({
          label: CLIENT_LABELS[c],
          description: DISCOVERABLE_CLIENTS.includes(c) ? (discovered.includes(c) ? 'VS Code discovers its servers' : 'VS Code can discover its servers') : '',
          picked: discovered.includes(c) || (!discovered.length && DISCOVERABLE_CLIENTS.includes(c)),
          client: c,
        })),
        { canPickMany: true, placeHolder: 'Adopt the servers of which clients? (mcp-warden adopt: a diff is shown before anything is written)' },
      );
      if (!picked?.length) return;
      clients = picked.map((p) => p.client);
    }
    let plan: AdoptionPlan | undefined;
    try {
      plan = this.planOthers(clients);
    } catch (err) {
      void vscode.window.showErrorMessage(`MCP Warden: could not plan the adoption: ${errorText(err)}`);
      return;
    }
    if (!plan) {
      void vscode.window.showWarningMessage('MCP Warden: the helper’s Node runtime is not known yet (the helper is starting or failed); adopt needs it for the clients’ command line.');
      return;
    }
    if (plan.unparseable.length) {
      void vscode.window.showErrorMessage(`MCP Warden: nothing was adopted: ${plan.unparseable.map((u) => `cannot parse ${u.path}: ${u.message}`).join('; ')}.`);
      return;
    }
    if (!plan.moved.length) {
      const why = [...plan.alreadyWarden, ...plan.leftAlone].slice(0, 5).map((l) => `${l.name}: ${l.reason}`).join('; ');
      void vscode.window.showInformationMessage(`MCP Warden: ${clients.map((c) => CLIENT_LABELS[c]).join(', ')}: no local server to adopt${why ? ` (${why})` : ''}.`);
      return;
    }
    await this.preview(plan);
    const files = [...plan.changes, ...(plan.wardenConfig ? [plan.wardenConfig] : [])];
    const ok = await vscode.window.showWarningMessage(
      `Adopt ${plural(plan.moved.length, 'server', 'servers')} (${movedSummary(plan)})?`,
      {
        modal: true,
        detail: `As the diff shows: ${files.map((f) => f.path).join(', ')} change. Each client's entry becomes \`mcp-warden connect NAME\`; the servers go to Warden's user config. Every file is backed up first; \`mcp-warden unadopt\` puts them back byte for byte.`,
      },
      'Adopt',
    );
    if (ok !== 'Adopt') return;
    try {
      applyAdoption(plan, this.deps.stateDir());
    } catch (err) {
      void vscode.window.showErrorMessage(`MCP Warden: nothing was adopted: ${errorText(err)}`);
      return;
    }
    this.deps.output.info(`adopted from other clients: ${movedSummary(plan)} (files: ${files.map((f) => f.path).join(', ')})`);
    this.deps.refresh();
    void vscode.window.showInformationMessage(`MCP Warden adopted ${movedSummary(plan)}. Undo: \`mcp-warden unadopt\` in a terminal.`);
  }

  /** The files as they are beside what adoption would write, in VS Code's diff editor (one per file). */
  private async preview(plan: AdoptionPlan): Promise<void> {
    this.previews.clear();
    const seq = ++this.previewSeq;
    const files = [...(plan.wardenConfig ? [plan.wardenConfig] : []), ...plan.changes].slice(0, MAX_PREVIEWS / 2);
    const pairs: [vscode.Uri, vscode.Uri, vscode.Uri][] = [];
    files.forEach((f, i) => {
      // The file's own path (the editor shows it), told apart by the query: this preview, this file, which side.
      const before = vscode.Uri.from({ scheme: PREVIEW_SCHEME, path: f.path, query: `${seq}-${i}-before` });
      const after = vscode.Uri.from({ scheme: PREVIEW_SCHEME, path: f.path, query: `${seq}-${i}-after` });
      this.previews.set(before.toString(), f.before?.text ?? '');
      this.previews.set(after.toString(), f.after);
      pairs.push([vscode.Uri.file(f.path), before, after]);
    });
    try {
      if (pairs.length === 1) await vscode.commands.executeCommand('vscode.diff', pairs[0]![1], pairs[0]![2], `${pairs[0]![0].fsPath} ↔ adopted by MCP Warden`, { preview: true });
      else await vscode.commands.executeCommand('vscode.changes', 'MCP Warden: adopt', pairs);
    } catch {
      // An editor without the multi-file diff: one diff editor per file.
      for (const [label, left, right] of pairs) await vscode.commands.executeCommand('vscode.diff', left, right, `${label.fsPath} ↔ adopted by MCP Warden`, { preview: false });
    }
  }

  dispose(): void {
    for (const s of this.subscriptions.splice(0)) s.dispose();
    this.previews.clear();
  }
}
