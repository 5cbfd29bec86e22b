// What a server said the last time it ran — its initialize result and its tools, prompts, resources and templates —
// kept per config hash in <state dir>/lazy/ (0700; files 0600, written atomically without following a symlink), so
// the next client is answered without starting it. Bounded: MAX_ENTRIES files, MAX_ENTRY_BYTES each.
import { lstatSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { BoundedMap } from '../../shared/bounded';
import { ensurePrivateDir, readPrivateFile, writeFileAtomic } from '../platform/privatePaths';

export const MAX_ENTRIES = 200;
export const MAX_ENTRY_BYTES = 4 * 1024 * 1024;
const VERSION = 1;

export type ListKind = 'tools' | 'prompts' | 'resources' | 'resourceTemplates';

export interface CacheEntry {
  server: string;
  savedAt: number;
  initialize: Record<string, unknown>;
  /** Each list as one result (every page joined); a kind the server does not offer is absent. */
  lists: Partial<Record<ListKind, Record<string, unknown>>>;
}

export class ListCache {
  private readonly memory = new BoundedMap<string, CacheEntry | null>(MAX_ENTRIES);
  private dir: string | undefined;

  constructor(
    private readonly stateDir: string,
    private readonly log: (line: string) => void,
  ) {}

  private directory(): string {
    return (this.dir ??= ensurePrivateDir(join(this.stateDir, 'lazy'), 'lazy-start cache directory'));
  }

  private file(hash: string): string {
    // The hash is ours (hex), never a name from config, so it cannot walk out of the directory.
    if (!/^[0-9a-f]{8,64}$/.test(hash)) throw new Error(`not a config hash: ${hash}`);
    return join(this.directory(), `${hash}.json`);
  }

  get(hash: string): CacheEntry | undefined {
    const known = this.memory.get(hash);
    if (known !== undefined) return known ?? undefined;
    let entry: CacheEntry | null = null;
    try {
      const path = this.file(hash);
      if (lstatSync(path, { throwIfNoEntry: false })?.isFile()) {
        const text = readPrivateFile(path, 'lazy-start cache file');
        const parsed = text.length <= MAX_ENTRY_BYTES ? (JSON.parse(text) as { version?: number } & CacheEntry) : null;
        if (parsed && parsed.version === VERSION && parsed.initialize && typeof parsed.initialize === 'object' && parsed.lists && typeof parsed.lists === 'object') {
          entry = { server: String(parsed.server), savedAt: Number(parsed.savedAt), initialize: parsed.initialize, lists: parsed.lists };
        }
      }
    } catch (err) {
      this.log(`lazy start: the cache for ${hash} is unreadable and is ignored: ${(err as Error).message}`);
    }
    this.memory.set(hash, entry);
    return entry ?? undefined;
  }

  /** Saves an entry; false when it is larger than MAX_ENTRY_BYTES (the server then always starts for its lists). */
  set(hash: string, entry: CacheEntry): boolean {
    const text = JSON.stringify({ version: VERSION, ...entry });
    if (Buffer.byteLength(text) > MAX_ENTRY_BYTES) {
      this.log(`lazy start: \`${entry.server}\`'s lists take ${Buffer.byteLength(text)} bytes, more than ${MAX_ENTRY_BYTES}; not cached`);
      this.delete(hash);
      return false;
    }
    try {
      writeFileAtomic(this.file(hash), text, 0o600);
      this.memory.set(hash, entry);
      this.prune(hash);
      return true;
    } catch (err) {
      this.log(`lazy start: could not save the cache of \`${entry.server}\`: ${(err as Error).message}`);
      return false;
    }
  }

  delete(hash: string): void {
    this.memory.set(hash, null);
    try {
      unlinkSync(this.file(hash));
    } catch {
      // not there
    }
  }

  /** Keeps the newest MAX_ENTRIES files (by modification time); `keep` is the one just written. */
  private prune(keep: string): void {
    const dir = this.directory();
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    if (files.length <= MAX_ENTRIES) return;
    const dated = files.map((f) => ({ f, t: lstatSync(join(dir, f), { throwIfNoEntry: false })?.mtimeMs ?? 0 })).sort((a, b) => a.t - b.t);
    for (const { f } of dated.slice(0, files.length - MAX_ENTRIES)) {
      if (f === `${keep}.json`) continue;
      try {
        unlinkSync(join(dir, f));
      } catch {
        // gone meanwhile
      }
      this.memory.delete(f.slice(0, -5));
    }
  }
}
