// Undoes adoptions from the log: every client file gets its backed-up bytes back (refused, unless forced, when the file
// changed since), and the servers adoption added leave Warden's config unless the user changed them there.
import { readFileSync, rmSync } from 'node:fs';
import { WardenError } from '../../shared/errors';
import { readLog, type AdoptionRecord } from './adoptionLog';
import { writeFileAtomic } from './atomicWrite';
import { applyRestores, foldRestore, type FileRestoreBase, type RestoreHow } from './fileRestore';
import { formattingOf, parseJsonText, setJsonValue } from './jsonEdit';
import { mergeBack } from './mergeBack';
import { sha256 } from './planner';
import { canonicalEntry } from './translate';
import { CLIENT_IDS, type ClientId } from './types';

/** One client file as unadopt leaves it (a conflict is restored only with --force). */
export interface FileRestore extends FileRestoreBase {
  format: 'json' | 'toml';
  /** What it gets: the backed-up bytes, or (edited since) the current text with the adopted entries put back. */
  final: Buffer;
}

export interface UnadoptionPlan {
  files: FileRestore[];
  conflicts: FileRestore[];
  /** Warden's user config: its new text (null: removed), and the servers taken out or kept. */
  warden: { path: string; mode: number; current: Buffer | null; after: Buffer | null; removed: string[]; kept: { name: string; reason: string }[] } | null;
  /** The log once this is done. */
  remaining: AdoptionRecord[];
  dropped: AdoptionRecord[];
}

export function readBytes(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** A record's backup, checked against the hash taken at adoption. */
export function backupBytes(r: AdoptionRecord): Buffer | null {
  if (!r.backup) return null;
  const bytes = readBytes(r.backup);
  if (!bytes || sha256(bytes) !== r.beforeSha256) {
    throw new WardenError('ADOPT_CONFLICT', `The backup of ${r.path} (${r.backup}) is missing or damaged; nothing was restored.`);
  }
  return bytes;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function planUnadoption(stateDir: string, clients: readonly ClientId[] | 'all'): UnadoptionPlan {
  const log = readLog(stateDir);
  const isClient = (r: AdoptionRecord): r is AdoptionRecord & { client: ClientId } => (CLIENT_IDS as readonly string[]).includes(r.client);
  const selected = (r: AdoptionRecord) => isClient(r) && (clients === 'all' || clients.includes(r.client));
  const chosen = log.records.filter(selected);
  // Newest first: a file adopted twice goes back through its second backup to its first.
  const byFile = new Map<string, FileRestore>();
  for (const record of [...chosen].reverse()) {
    const seen = byFile.get(record.realPath);
    const now = seen ? seen.final : readBytes(record.realPath);
    const backup = backupBytes(record)!;
    // Already back as it was (an unadopt that stopped part-way, or the user by hand) counts as untouched too.
    const untouched = now !== null && (sha256(now) === record.afterSha256 || sha256(now) === record.beforeSha256);
    let final = backup;
    let how: RestoreHow = 'exact';
    if (!untouched) {
      const merged = now ? mergeBack(record.format, now.toString('utf8'), backup.toString('utf8'), record.servers) : null;
      if (merged !== null) {
        final = Buffer.from(merged, 'utf8');
        how = 'merged';
      } else {
        how = 'replaced';
      }
    }
    foldRestore(byFile, { path: record.path, format: record.format, realPath: record.realPath, mode: record.mode, current: now, final, conflict: !untouched, how });
  }
  const files = [...byFile.values()];
  const rest = log.records.filter((r) => !selected(r));
  const every = clients === 'all' || CLIENT_IDS.every((c) => clients.includes(c));
  const { warden, done } = planWarden(rest, chosen, every);
  return {
    files, conflicts: files.filter((f) => f.conflict), warden,
    remaining: rest.filter((r) => !done.includes(r)), dropped: [...chosen, ...done],
  };
}

/** What happens to Warden's own config: whole adoptions put back byte for byte where it is untouched, else server by server. */
function planWarden(remaining: AdoptionRecord[], chosen: AdoptionRecord[], all: boolean): { warden: UnadoptionPlan['warden']; done: AdoptionRecord[] } {
  const wardenRecords = remaining.filter((r) => r.client === 'warden');
  if (!wardenRecords.length) return { warden: null, done: [] };
  const path = wardenRecords[wardenRecords.length - 1]!.realPath;
  const current = readBytes(path);
  let bytes: Buffer | null = current;
  // A server another (still adopted) client entry points at stays, whoever added it.
  const stillUsed = new Set(remaining.filter((r) => (CLIENT_IDS as readonly string[]).includes(r.client)).flatMap((r) => r.servers.map((s) => s.wardenName)));
  const toRemove = new Map<string, string>();
  for (const r of chosen) for (const s of r.servers) if (s.added && !stillUsed.has(s.wardenName)) toRemove.set(s.wardenName, s.definitionSha256);
  const removed: string[] = [];
  const kept: { name: string; reason: string }[] = [];
  const restoredWhole: AdoptionRecord[] = [];
  if (all) {
    // Untouched since the newest adoption: go back through its backups, newest first, as far as the bytes match.
    for (const r of [...wardenRecords].reverse()) {
      if ((bytes ? sha256(bytes) : null) !== r.afterSha256) break;
      bytes = backupBytes(r);
      restoredWhole.push(r);
      for (const s of r.servers) {
        removed.push(s.wardenName);
        toRemove.delete(s.wardenName);
      }
    }
  }
  if (toRemove.size && bytes) {
    const text = bytes.toString('utf8');
    const parsed = parseJsonText(text.replace(/^\uFEFF/, ''));
    if (!parsed.ok || !isObject(parsed.value)) {
      for (const name of toRemove.keys()) kept.push({ name, reason: `${path} cannot be parsed; take it out by hand` });
    } else {
      const key = parsed.value.servers === undefined && parsed.value.mcpServers !== undefined ? 'mcpServers' : 'servers';
      const map = isObject(parsed.value[key]) ? (parsed.value[key] as Record<string, unknown>) : {};
      let out = text;
      const fmt = formattingOf(text);
      for (const [name, defSha] of toRemove) {
        if (!(name in map)) continue;
        if (sha256(canonicalEntry(map[name])) !== defSha) {
          kept.push({ name, reason: "changed in Warden's config since it was adopted; left there" });
          continue;
        }
        out = setJsonValue(out, [key, name], undefined, fmt);
        removed.push(name);
      }
      bytes = Buffer.from(out, 'utf8');
    }
  }
  // A record is done with once none of its servers is still pointed at by an adopted entry.
  const done = wardenRecords.filter((r) => restoredWhole.includes(r) || r.servers.every((s) => !stillUsed.has(s.wardenName)));
  const first = wardenRecords[0]!;
  const mode = first.existed ? first.mode : 0o600;
  const changed = !(bytes === null ? current === null : current !== null && bytes.equals(current));
  return { warden: changed || kept.length ? { path, mode, current, after: bytes, removed, kept } : null, done };
}

export function applyUnadoption(plan: UnadoptionPlan, stateDir: string, force: boolean): { replacedBackups: string[] } {
  if (plan.conflicts.length && !force) {
    throw new WardenError('ADOPT_CONFLICT', `${plan.conflicts.map((c) => c.path).join(', ')} changed since adoption; run unadopt --force to put the adopted entries back anyway (the current contents are kept as a backup).`);
  }
  return applyRestores(stateDir, plan.files, plan, () => {
    const w = plan.warden;
    if (w?.after) writeFileAtomic(w.path, w.after, w.mode);
    else if (w?.current) rmSync(w.path, { force: true });
  });
}
