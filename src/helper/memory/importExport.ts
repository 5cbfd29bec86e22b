// Streams memories to and from JSONL. Import reads line by line (bounded line length, UTF-8 checked), commits in
// batches, and understands both our format and @modelcontextprotocol/server-memory's knowledge graph. Export
// writes a temp file and renames it over the target, so a failed export never leaves a partial file there.
import { createReadStream, statSync } from 'node:fs';
import { once } from 'node:events';
import { WardenError } from '../../shared/errors';
import { writeFileAtomically } from './atomicFile';
import { decodeUtf8, LineSplitter } from './lineSplitter';
import type { ImportRecord, MemoryStore } from './store';

/** Longest import line, in bytes (a 100 KB memory with an embedding fits several times over). */
export const MAX_IMPORT_LINE_BYTES = 1024 * 1024;
/**
 * Records per import transaction. Each commit writes a segment of postings and rewrites the pages of the random
 * content-hash index, and the batch's distinct terms are counted once, so larger batches ingest faster. At 50,000 an
 * import of 1M memories makes 20 segments that the merge policy leaves alone (8 of them would pass its size cap),
 * where 20,000 made segments that were merged into 160,000s — each posting written twice (at 1M: 57k/s against
 * 41k/s, the same run). The write lock is then held for about a second per batch. IMPORT_BATCH_BYTES bounds the
 * memory of a batch.
 */
export const IMPORT_BATCH_RECORDS = 50_000;
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

/** Lines of a file, as bytes with their line numbers (1-based), read with a bounded line buffer. */
async function* readLines(path: string): AsyncGenerator<{ lineNo: number; bytes: Buffer | null; lineBytes: number }> {
  const stream = createReadStream(path, { highWaterMark: 256 * 1024 });
  let lineNo = 0;
  let ready: { lineNo: number; bytes: Buffer | null; lineBytes: number }[] = [];
  const splitter = new LineSplitter(MAX_IMPORT_LINE_BYTES, {
    line: (bytes) => ready.push({ lineNo: ++lineNo, bytes, lineBytes: bytes.length + 1 }),
    oversized: (o) => ready.push({ lineNo: ++lineNo, bytes: null, lineBytes: o.bytes + 1 }),
  });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      splitter.push(chunk);
      // At most one chunk's worth of lines is held at a time.
      const out = ready;
      ready = [];
      yield* out;
    }
    splitter.end();
    yield* ready;
  } finally {
    stream.destroy();
  }
}

export async function importJsonl(store: MemoryStore, path: string, onProgress?: (p: TransferProgress) => void): Promise<ImportResult> {
  let totalBytes: number;
  try {
    totalBytes = statSync(path).size;
  } catch (err) {
    throw new WardenError('MEMORY_IMPORT_FAILED', `Cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const result: ImportResult = { imported: 0, duplicates: 0, skipped: 0, format: 'mcp-warden', problems: [] };
  let format: ImportResult['format'] | undefined;
  let batch: ImportRecord[] = [];
  /** The file line of each record in the batch (an entity line gives one record per observation). */
  let batchLines: number[] = [];
  let batchBytes = 0;
  let bytes = 0;
  let lastProgress = 0;
  const skip = (lineNo: number, why: string) => {
    result.skipped++;
    if (result.problems.length < MAX_PROBLEMS) result.problems.push(`line ${lineNo}: ${why}`);
  };
  const flush = () => {
    if (!batch.length) return;
    const r = store.saveMany(batch);
    result.imported += r.imported;
    result.duplicates += r.duplicates;
    for (const e of r.errors) skip(batchLines[e.index]!, e.message);
    batch = [];
    batchLines = [];
    batchBytes = 0;
  };
  await store.bulkWrite(async () => {
    for await (const { lineNo, bytes: raw, lineBytes } of readLines(path)) {
      bytes += lineBytes;
      if (!raw) {
        skip(lineNo, `longer than ${MAX_IMPORT_LINE_BYTES / 1024 / 1024} MB`);
        continue;
      }
      let line = decodeUtf8(raw);
      if (line === null) {
        skip(lineNo, 'not valid UTF-8 (the line was skipped, not decoded with replacement characters)');
        continue;
      }
      if (lineNo === 1 && line.startsWith('\uFEFF')) line = line.slice(1);
      if (!line.trim()) continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        skip(lineNo, 'not valid JSON');
        continue;
      }
      format ??= detect(value);
      let records: ImportRecord[];
      try {
        records = fromLine(value, format);
      } catch (err) {
        skip(lineNo, (err as Error).message);
        continue;
      }
      for (const rec of records) {
        batch.push(rec);
        batchLines.push(lineNo);
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
  // Lines refused while reading and records refused at commit arrive out of order: the report goes by line.
  result.problems.sort((a, b) => Number(/\d+/.exec(a)![0]) - Number(/\d+/.exec(b)![0]));
  result.format = format ?? 'mcp-warden';
  onProgress?.({ done: result.imported + result.duplicates, bytes: totalBytes, totalBytes });
  return result;
}

/** Writes one memory per line; `path` '-' means stdout. A file appears at `path` only once it is complete. */
export async function exportJsonl(store: MemoryStore, path: string, onProgress?: (p: TransferProgress) => void): Promise<{ exported: number }> {
  let exported = 0;
  let bytes = 0;
  let lastProgress = 0;
  const lines = async function* () {
    for (const rec of store.iterateAll()) {
      const { accessedAt: _a, ...line } = rec;
      const text = `${JSON.stringify(line)}\n`;
      bytes += text.length;
      exported++;
      yield text;
      const now = Date.now();
      if (onProgress && now - lastProgress > 200) {
        lastProgress = now;
        onProgress({ done: exported, bytes, totalBytes: null });
      }
    }
  };
  if (path === '-') {
    for await (const text of lines()) if (!process.stdout.write(text)) await once(process.stdout, 'drain');
  } else {
    await writeFileAtomically(path, lines(), 'MEMORY_EXPORT_FAILED', 'export');
  }
  onProgress?.({ done: exported, bytes, totalBytes: bytes });
  return { exported };
}
