// Streams memories to and from JSONL. Import reads line by line (bounded line length), commits in batches,
// and understands both our format and @modelcontextprotocol/server-memory's knowledge graph.
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import { WardenError } from '../../shared/errors';
import type { ImportRecord, MemoryStore } from './store';

export const MAX_IMPORT_LINE_CHARS = 1024 * 1024;
/**
 * Records per import transaction. Each commit flushes a full-text segment and rewrites the pages of the random
 * content-hash index, so larger batches ingest faster (1,000: ~30k/s, 20,000: ~50k/s at 100k memories); the
 * write lock is then held for about half a second per batch. IMPORT_BATCH_BYTES bounds the memory of a batch.
 */
export const IMPORT_BATCH_RECORDS = 20_000;
const IMPORT_BATCH_BYTES = 16 * 1024 * 1024;
const MAX_PROBLEMS = 20;

export interface TransferProgress {
  done: number;
  bytes: number;
  totalBytes: number | null;
}

export interface ImportResult {
  imported: number;
  duplicates: number;
  skipped: number;
  format: 'mcp-warden' | 'server-memory';
  /** The first few skipped lines with their line numbers and why. */
  problems: string[];
}

interface KgEntity {
  type: 'entity';
  name: string;
  entityType: string;
  observations: string[];
}

interface KgRelation {
  type: 'relation';
  from: string;
  to: string;
  relationType: string;
}

function fromLine(value: unknown, format: ImportResult['format']): ImportRecord[] {
  if (typeof value !== 'object' || value === null) throw new Error('not a JSON object');
  const v = value as Record<string, unknown>;
  if (format === 'server-memory') {
    if (v.type === 'entity') {
      const e = v as unknown as KgEntity;
      if (typeof e.name !== 'string' || !Array.isArray(e.observations)) throw new Error('entity without name or observations');
      return e.observations
        .filter((o): o is string => typeof o === 'string' && o.trim() !== '')
        .map((o) => ({ content: o, category: String(e.entityType || 'entity').slice(0, 64), tags: [e.name, e.entityType].filter(Boolean).map((t) => t.slice(0, 64)), source: 'server-memory-import' }));
    }
    if (v.type === 'relation') {
      // Relations carry facts too ("alice works_at acme"); they become memories tagged with both ends.
      const r = v as unknown as KgRelation;
      if (typeof r.from !== 'string' || typeof r.to !== 'string') throw new Error('relation without from/to');
      return [{ content: `${r.from} ${String(r.relationType ?? 'relates to').replace(/_/g, ' ')} ${r.to}`, category: 'relation', tags: [r.from, r.to].map((t) => t.slice(0, 64)), source: 'server-memory-import' }];
    }
    throw new Error(`unknown knowledge-graph line type ${JSON.stringify(v.type)}`);
  }
  if (typeof v.content !== 'string') throw new Error('no "content" string');
  return [v as unknown as ImportRecord];
}

function detect(value: unknown): ImportResult['format'] {
  const v = value as Record<string, unknown> | null;
  return v && (v.type === 'entity' || v.type === 'relation') && v.content === undefined ? 'server-memory' : 'mcp-warden';
}

export async function importJsonl(store: MemoryStore, path: string, onProgress?: (p: TransferProgress) => void): Promise<ImportResult> {
  let totalBytes: number;
  try {
    totalBytes = statSync(path).size;
  } catch (err) {
    throw new WardenError('MEMORY_IMPORT_FAILED', `Cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 256 * 1024 });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  const result: ImportResult = { imported: 0, duplicates: 0, skipped: 0, format: 'mcp-warden', problems: [] };
  let format: ImportResult['format'] | undefined;
  let batch: ImportRecord[] = [];
  let batchBytes = 0;
  let lineNo = 0;
  let bytes = 0;
  let lastProgress = 0;
  const skip = (why: string) => {
    result.skipped++;
    if (result.problems.length < MAX_PROBLEMS) result.problems.push(`line ${lineNo}: ${why}`);
  };
  const flush = () => {
    if (!batch.length) return;
    const r = store.saveMany(batch);
    result.imported += r.imported;
    result.duplicates += r.duplicates;
    for (const e of r.errors) skip(e.message);
    batch = [];
    batchBytes = 0;
  };
  try {
    await store.bulkWrite(async () => {
      for await (const line of lines) {
        lineNo++;
        const lineBytes = Buffer.byteLength(line) + 1;
        bytes += lineBytes;
        if (!line.trim()) continue;
        if (line.length > MAX_IMPORT_LINE_CHARS) {
          skip(`longer than ${MAX_IMPORT_LINE_CHARS} characters`);
          continue;
        }
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch {
          skip('not valid JSON');
          continue;
        }
        format ??= detect(value);
        try {
          batch.push(...fromLine(value, format));
        } catch (err) {
          skip((err as Error).message);
          continue;
        }
        batchBytes += lineBytes;
        if (batch.length >= IMPORT_BATCH_RECORDS || batchBytes >= IMPORT_BATCH_BYTES) {
          flush();
          const now = Date.now();
          if (onProgress && now - lastProgress > 200) {
            lastProgress = now;
            onProgress({ done: result.imported + result.duplicates, bytes, totalBytes });
          }
        }
      }
      flush();
    });
  } finally {
    lines.close();
    stream.destroy();
  }
  result.format = format ?? 'mcp-warden';
  onProgress?.({ done: result.imported + result.duplicates, bytes: totalBytes, totalBytes });
  return result;
}

async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

/** Writes one memory per line, respecting backpressure. `path` '-' means stdout. */
export async function exportJsonl(store: MemoryStore, path: string, onProgress?: (p: TransferProgress) => void): Promise<{ exported: number }> {
  const toStdout = path === '-';
  const out: Writable = toStdout ? process.stdout : createWriteStream(path, { mode: 0o600 });
  let exported = 0;
  let bytes = 0;
  let lastProgress = 0;
  try {
    for (const rec of store.iterateAll()) {
      const { accessedAt: _a, ...line } = rec;
      const text = `${JSON.stringify(line)}\n`;
      bytes += text.length;
      await write(out, text);
      exported++;
      const now = Date.now();
      if (onProgress && now - lastProgress > 200) {
        lastProgress = now;
        onProgress({ done: exported, bytes, totalBytes: null });
      }
    }
  } finally {
    if (!toStdout) {
      out.end();
      await once(out, 'close').catch(() => undefined);
    }
  }
  onProgress?.({ done: exported, bytes, totalBytes: bytes });
  return { exported };
}
