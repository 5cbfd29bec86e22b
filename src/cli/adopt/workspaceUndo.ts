// Undoes workspace adoptions (workspace.ts) for one folder, newest first: mcp.json gets its bytes back, or — edited
// since, and only when forced — the moved entries re-inserted as they were written; `.vscode/mcp-warden.json` gets its
// bytes back (or goes, if adoption created it), or, edited since (Add Server writes there), loses only the moved
// entries it still holds unchanged.
import { WardenError } from '../../shared/errors';
import { readLog, type AdoptionRecord, type RecordedServer } from './adoptionLog';
import { applyRestores, foldRestore, type FileRestoreBase, type RestoreHow } from './fileRestore';
import { formattingOf, jsonValueText, parseJsonText, setJsonValue, setJsonValueText } from './jsonEdit';
import { sha256 } from './planner';
import { canonicalEntry } from './translate';
import { backupBytes, readBytes } from './unadopt';
import { workspaceFiles } from './workspace';

/** One of the folder's files as the undo leaves it: final null removes it (adoption created it); a conflict (mcp.json
 * edited since adoption) is undone only with `force`. */
export type WorkspaceFileRestore = FileRestoreBase;

export interface WorkspaceUndoPlan {
  folder: string;
  files: WorkspaceFileRestore[];
  conflicts: WorkspaceFileRestore[];
  /** Moved entries left in mcp-warden.json because they were changed there since. */
  kept: { name: string; reason: string }[];
  remaining: AdoptionRecord[];
  dropped: AdoptionRecord[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const pathOf = (s: RecordedServer) => [...s.container, s.clientName];

function valueAt(doc: unknown, path: string[]): unknown {
  return path.reduce<unknown>((cur, k) => (isObject(cur) ? cur[k] : undefined), doc);
}

function splitBom(text: string): { body: string; bom: string } {
  return text.startsWith('\uFEFF') ? { body: text.slice(1), bom: '\uFEFF' } : { body: text, bom: '' };
}

/** Today's mcp.json with each moved entry put back (its text from the backup) where it is missing; null if unparseable. */
function reinsert(current: string, original: string, servers: readonly RecordedServer[]): string | null {
  const { body, bom } = splitBom(current);
  const orig = splitBom(original).body;
  const parsed = parseJsonText(body);
  if (!parsed.ok) return null;
  const fmt = formattingOf(body);
  let out = body;
  for (const s of servers) {
    const text = jsonValueText(orig, pathOf(s));
    // Already there again (the user put it back by hand): theirs stays.
    if (text === null || valueAt(parsed.value, pathOf(s)) !== undefined) continue;
    out = setJsonValueText(out, pathOf(s), text, fmt);
  }
  return parseJsonText(out).ok ? bom + out : null;
}

/** Today's mcp-warden.json without the moved entries that are still exactly as adopted. */
function removeUnchanged(current: string, servers: readonly RecordedServer[], kept: WorkspaceUndoPlan['kept']): string | null {
  const { body, bom } = splitBom(current);
  const parsed = parseJsonText(body);
  if (!parsed.ok) return null;
  const fmt = formattingOf(body);
  let out = body;
  for (const s of servers) {
    if (!s.added) continue;
    const now = valueAt(parsed.value, pathOf(s));
    if (now === undefined) continue;
    if (sha256(canonicalEntry(now)) !== s.definitionSha256) {
      kept.push({ name: s.clientName, reason: 'changed in mcp-warden.json since it was adopted; left there' });
      continue;
    }
    out = setJsonValue(out, pathOf(s), undefined, fmt);
  }
  return bom + out;
}

export function planWorkspaceUndo(folder: string, stateDir: string): WorkspaceUndoPlan {
  const { mcpJson } = workspaceFiles(folder);
  const log = readLog(stateDir);
  const runs = new Set(log.records.filter((r) => r.client === 'vscode-workspace' && r.path === mcpJson).map((r) => r.run));
  const chosen = log.records.filter((r) => runs.has(r.run) && (r.client === 'vscode-workspace' || r.client === 'vscode-workspace-warden'));
  const kept: WorkspaceUndoPlan['kept'] = [];
  const byFile = new Map<string, WorkspaceFileRestore>();
  for (const r of [...chosen].reverse()) {
    const seen = byFile.get(r.realPath);
    const now = seen ? seen.final : readBytes(r.realPath);
    const nowSha = now ? sha256(now) : null;
    // Already back as it was (an undo that stopped part-way, or the user by hand) counts as untouched too.
    const untouched = nowSha === r.afterSha256 || nowSha === r.beforeSha256;
    const backup = backupBytes(r);
    let final: Buffer | null = backup;
    let how: RestoreHow = 'exact';
    let conflict = false;
    if (!untouched) {
      const merged = now && backup
        ? (r.client === 'vscode-workspace' ? reinsert(now.toString('utf8'), backup.toString('utf8'), r.servers) : removeUnchanged(now.toString('utf8'), r.servers, kept))
        : now && !backup ? removeUnchanged(now.toString('utf8'), r.servers, kept) : null;
      if (merged !== null) {
        final = Buffer.from(merged, 'utf8');
        how = 'merged';
      } else {
        how = 'replaced';
      }
      // The Warden file is Warden's: taking out what adoption put there is never a clobber. mcp.json is the user's.
      conflict = r.client === 'vscode-workspace';
    }
    foldRestore(byFile, { path: r.path, realPath: r.realPath, mode: r.mode, current: now, final, conflict, how });
  }
  const files = [...byFile.values()];
  return {
    folder, files, conflicts: files.filter((f) => f.conflict), kept,
    remaining: log.records.filter((r) => !chosen.includes(r)), dropped: chosen,
  };
}

/** Carries the plan out (refused while mcp.json was edited since adoption, unless `force`); today's bytes of a forced file are kept as a backup. */
export function applyWorkspaceUndo(plan: WorkspaceUndoPlan, stateDir: string, force = false): { replacedBackups: string[] } {
  if (plan.conflicts.length && !force) {
    throw new WardenError('ADOPT_CONFLICT', `${plan.conflicts.map((c) => c.path).join(', ')} changed since adoption; undo with force to put the moved servers back into it anyway.`);
  }
  if (!plan.files.length) return { replacedBackups: [] };
  return applyRestores(stateDir, plan.files, plan);
}

/** Undoes every adoption of this folder's mcp.json. */
export function undoWorkspaceAdoption(folder: string, stateDir: string, force = false): { plan: WorkspaceUndoPlan; replacedBackups: string[] } {
  const plan = planWorkspaceUndo(folder, stateDir);
  return { plan, ...applyWorkspaceUndo(plan, stateDir, force) };
}
