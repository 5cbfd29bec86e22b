// The vector index: every embedding also lives as int8 codes (one scale per vector) packed many per row in
// vector_chunks. A search scans the codes chunk by chunk with a SIMD kernel — a quarter of the float bytes,
// one chunk in memory at a time — and re-ranks a few candidates exactly from the float32 embeddings in
// memories, so the scores returned are exact cosines.
import type { Database } from './db';
import { createInt8Dot, type Int8DotKernel } from './int8Dot';
import { blobView, dot, fromBlob, TopK } from './vector';

/** Target size of one chunk's codes: ~1,000 vectors of 384 dims per row. */
export const CHUNK_BYTES = 384 * 1024;
/** Entries of deleted memories are dropped once they are this many and a quarter of all entries. */
export const COMPACT_MIN_STALE = 1024;

export function strideFor(dim: number): number {
  return (dim + 15) & ~15;
}

export function vectorsPerChunk(dim: number): number {
  return Math.max(16, Math.floor(CHUNK_BYTES / strideFor(dim)));
}

/** Symmetric int8 quantization with a per-vector scale: v ≈ codes × scale. */
export function quantize(v: Float32Array, stride = strideFor(v.length)): { codes: Int8Array; scale: number } {
  let max = 0;
  for (let i = 0; i < v.length; i++) max = Math.max(max, Math.abs(v[i]!));
  const codes = new Int8Array(stride);
  if (max === 0) return { codes, scale: 0 };
  const inv = 127 / max;
  for (let i = 0; i < v.length; i++) codes[i] = Math.round(v[i]! * inv);
  return { codes, scale: max / 127 };
}

type ChunkRow = [dim: number, n: number, rowids: Buffer, scales: Buffer, codes: Buffer];

/** Entries being packed into chunks: appended to, written out whenever a chunk is full. */
class ChunkWriter {
  private readonly perChunk: number;
  private readonly stride: number;
  private rowids: Float64Array;
  private scales: Float32Array;
  private codes: Int8Array;
  private n = 0;

  constructor(
    readonly dim: number,
    private readonly write: (dim: number, n: number, rowids: Buffer, scales: Buffer, codes: Buffer, replaceId: number | null) => void,
    private replaceId: number | null = null,
  ) {
    this.perChunk = vectorsPerChunk(dim);
    this.stride = strideFor(dim);
    this.rowids = new Float64Array(this.perChunk);
    this.scales = new Float32Array(this.perChunk);
    this.codes = new Int8Array(this.perChunk * this.stride);
  }

  /** Starts from an existing, not yet full chunk, which the next write replaces. */
  static resume(row: { id: number; dim: number; n: number; rowids: Buffer; scales: Buffer; codes: Buffer }, write: ChunkWriter['write']): ChunkWriter {
    const w = new ChunkWriter(row.dim, write, row.id);
    w.rowids.set(blobView(Float64Array, row.rowids));
    w.scales.set(blobView(Float32Array, row.scales));
    w.codes.set(new Int8Array(row.codes.buffer, row.codes.byteOffset, row.n * w.stride));
    w.n = row.n;
    return w;
  }

  get full(): boolean {
    return this.n >= this.perChunk;
  }

  add(rowid: number, scale: number, codes: Int8Array, codesOffset = 0): void {
    this.rowids[this.n] = rowid;
    this.scales[this.n] = scale;
    this.codes.set(codes.subarray(codesOffset, codesOffset + this.stride), this.n * this.stride);
    this.n++;
    if (this.full) this.flush();
  }

  flush(): void {
    if (this.n === 0) return;
    const n = this.n;
    this.write(
      this.dim,
      n,
      Buffer.from(this.rowids.buffer, 0, n * 8),
      Buffer.from(this.scales.buffer, 0, n * 4),
      Buffer.from(this.codes.buffer, 0, n * this.stride),
      this.replaceId,
    );
    this.replaceId = null;
    this.n = 0;
  }
}

export class VectorIndex {
  private readonly stmts;

  constructor(
    db: Database,
    readonly kernel: Int8DotKernel = createInt8Dot(),
  ) {
    this.stmts = {
      chunks: db.prepare('SELECT dim, n, rowids, scales, codes FROM vector_chunks').raw(true),
      chunkIds: db.prepare('SELECT id FROM vector_chunks ORDER BY id').pluck(),
      chunkById: db.prepare('SELECT id, dim, n, rowids, scales, codes FROM vector_chunks WHERE id = ?'),
      lastChunk: db.prepare('SELECT id, dim, n, rowids, scales, codes FROM vector_chunks ORDER BY id DESC LIMIT 1'),
      insertChunk: db.prepare('INSERT INTO vector_chunks (dim, n, rowids, scales, codes) VALUES (?, ?, ?, ?, ?)'),
      updateChunk: db.prepare('UPDATE vector_chunks SET dim = ?, n = ?, rowids = ?, scales = ?, codes = ? WHERE id = ?'),
      deleteChunk: db.prepare('DELETE FROM vector_chunks WHERE id = ?'),
      entries: db.prepare('SELECT total(n) FROM vector_chunks').pluck(),
      any: db.prepare('SELECT 1 FROM vector_chunks LIMIT 1').pluck(),
      stale: db.prepare('SELECT n FROM vector_stale').pluck(),
      resetStale: db.prepare('UPDATE vector_stale SET n = 0'),
      embedding: db.prepare('SELECT embedding FROM memories WHERE rowid = ?').pluck(),
      embeddingsAfter: db.prepare('SELECT rowid, embedding FROM memories WHERE rowid > ? AND embedding IS NOT NULL ORDER BY rowid LIMIT 1024').raw(true),
      exists: db.prepare('SELECT 1 FROM memories WHERE rowid = ?').pluck(),
      clear: db.prepare('DELETE FROM vector_chunks'),
    };
  }

  private readonly writeChunk = (dim: number, n: number, rowids: Buffer, scales: Buffer, codes: Buffer, replaceId: number | null): void => {
    if (replaceId === null) this.stmts.insertChunk.run(dim, n, rowids, scales, codes);
    else this.stmts.updateChunk.run(dim, n, rowids, scales, codes, replaceId);
  };

  hasEntries(): boolean {
    return this.stmts.any.get() !== undefined;
  }

  /** Adds vectors (normalized) for new memories; call inside the write transaction that inserted them. */
  append(items: readonly { rowid: number; vector: Float32Array }[]): void {
    let writer: ChunkWriter | null = null;
    for (const { rowid, vector } of items) {
      if (!writer || writer.dim !== vector.length) {
        writer?.flush();
        const last = this.stmts.lastChunk.get() as { id: number; dim: number; n: number; rowids: Buffer; scales: Buffer; codes: Buffer } | undefined;
        writer = last && last.dim === vector.length && last.n < vectorsPerChunk(last.dim) ? ChunkWriter.resume(last, this.writeChunk) : new ChunkWriter(vector.length, this.writeChunk);
      }
      const { codes, scale } = quantize(vector);
      writer.add(rowid, scale, codes);
    }
    writer?.flush();
  }

  /**
   * The k nearest stored vectors by cosine (the query normalized). Memory stays O(chunk + k) whatever the
   * number of memories; entries of deleted memories and reused rowids are resolved by the exact re-rank.
   */
  topK(query: Float32Array, k: number): { rowid: number; score: number }[] {
    const dim = query.length;
    const stride = strideFor(dim);
    const { codes: q } = quantize(query, stride);
    // int8 scores are close to exact; a few times k candidates make the exact top-k all but certain.
    const candidates = new TopK<number>(Math.max(4 * k, k + 32));
    for (const [chunkDim, n, rowidBlob, scaleBlob, codeBlob] of this.stmts.chunks.iterate() as IterableIterator<ChunkRow>) {
      if (chunkDim !== dim) continue;
      const dots = this.kernel.dots(q, codeBlob, n, stride);
      const scales = blobView(Float32Array, scaleBlob);
      const rowids = blobView(Float64Array, rowidBlob);
      for (let i = 0; i < n; i++) {
        const approx = dots[i]! * scales[i]!;
        if (approx > candidates.minScore) candidates.offer(approx, rowids[i]!);
      }
    }
    const exact = new TopK<number>(k);
    const seen = new Set<number>();
    for (const { value: rowid } of candidates.sorted()) {
      if (seen.has(rowid)) continue;
      seen.add(rowid);
      const blob = this.stmts.embedding.get(rowid) as Buffer | null | undefined;
      if (!blob) continue;
      const v = fromBlob(blob);
      if (v.length === dim) exact.offer(dot(query, v), rowid);
    }
    return exact.sorted().map((h) => ({ rowid: h.value, score: h.score }));
  }

  /** Drops entries of deleted memories when they have piled up; call inside a write transaction. */
  compactIfNeeded(): number {
    const stale = (this.stmts.stale.get() as number | undefined) ?? 0;
    if (stale < COMPACT_MIN_STALE || stale * 4 < (this.stmts.entries.get() as number)) return 0;
    return this.compact();
  }

  /** Rewrites the chunks without entries of deleted memories, one chunk in memory at a time. */
  compact(): number {
    let dropped = 0;
    const writers = new Map<number, ChunkWriter>();
    for (const id of this.stmts.chunkIds.all() as number[]) {
      const row = this.stmts.chunkById.get(id) as { dim: number; n: number; rowids: Buffer; scales: Buffer; codes: Buffer };
      this.stmts.deleteChunk.run(id);
      const stride = strideFor(row.dim);
      const rowids = blobView(Float64Array, row.rowids);
      const scales = blobView(Float32Array, row.scales);
      const codes = new Int8Array(row.codes.buffer, row.codes.byteOffset, row.n * stride);
      let writer = writers.get(row.dim);
      if (!writer) writers.set(row.dim, (writer = new ChunkWriter(row.dim, this.writeChunk)));
      for (let i = 0; i < row.n; i++) {
        if (this.stmts.exists.get(rowids[i]!)) writer.add(rowids[i]!, scales[i]!, codes, i * stride);
        else dropped++;
      }
    }
    for (const w of writers.values()) w.flush();
    this.stmts.resetStale.run();
    return dropped;
  }

  /** Rebuilds every chunk from the float32 embeddings in memories (schema migrations). */
  rebuild(): void {
    this.stmts.clear.run();
    this.stmts.resetStale.run();
    let after = 0;
    for (;;) {
      const rows = this.stmts.embeddingsAfter.all(after) as [number, Buffer][];
      if (!rows.length) break;
      this.append(rows.map(([rowid, blob]) => ({ rowid, vector: fromBlob(blob) })));
      after = rows[rows.length - 1]![0];
    }
  }
}
