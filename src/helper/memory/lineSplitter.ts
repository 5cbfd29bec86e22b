// Splits a byte stream into newline-delimited lines with a bounded buffer, for JSONL import and the memory MCP
// server's stdin. Lines stay bytes, so the caller can refuse invalid UTF-8 instead of decoding it into U+FFFD; a
// line past the bound costs only its first and last few KB (kept so a caller can still name what it was).
import { isUtf8 } from 'node:buffer';

/** Bytes kept from each end of an over-long line. */
export const OVERSIZED_KEEP_BYTES = 4096;

export interface OversizedLine {
  /** The line's first bytes and its last ones (they overlap for a line under 2 × OVERSIZED_KEEP_BYTES). */
  head: Buffer;
  tail: Buffer;
  /** Its whole length in bytes, newline excluded. */
  bytes: number;
}

export interface LineSink {
  line(bytes: Buffer): void;
  oversized(line: OversizedLine): void;
}

export class LineSplitter {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** While discarding the rest of an over-long line: what is kept of it. */
  private over: { head: Buffer; tail: Buffer; bytes: number } | null = null;

  constructor(
    private readonly maxLineBytes: number,
    private readonly sink: LineSink,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    while (start <= chunk.length) {
      const nl = chunk.indexOf(10, start);
      const end = nl < 0 ? chunk.length : nl;
      if (end > start) this.take(chunk.subarray(start, end));
      if (nl < 0) return;
      this.endLine();
      start = nl + 1;
    }
  }

  /** The input ended: a last line without a newline still counts. */
  end(): void {
    if (this.buffered || this.over) this.endLine();
  }

  private take(part: Buffer): void {
    if (this.over) {
      this.over.bytes += part.length;
      this.over.tail = keepTail(this.over.tail, part);
      return;
    }
    if (this.buffered + part.length <= this.maxLineBytes) {
      // Copied: a stream may reuse the chunk's memory once push returns.
      this.chunks.push(Buffer.from(part));
      this.buffered += part.length;
      return;
    }
    const sofar = Buffer.concat([...this.chunks, part]);
    this.over = { head: Buffer.from(sofar.subarray(0, OVERSIZED_KEEP_BYTES)), tail: keepTail(Buffer.alloc(0), sofar), bytes: sofar.length };
    this.chunks = [];
    this.buffered = 0;
  }

  private endLine(): void {
    if (this.over) {
      const over = this.over;
      this.over = null;
      this.sink.oversized(over);
      return;
    }
    const line = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    this.chunks = [];
    this.buffered = 0;
    this.sink.line(line[line.length - 1] === 13 ? line.subarray(0, -1) : line);
  }
}

function keepTail(tail: Buffer, part: Buffer): Buffer {
  if (part.length >= OVERSIZED_KEEP_BYTES) return Buffer.from(part.subarray(part.length - OVERSIZED_KEEP_BYTES));
  const joined = Buffer.concat([tail, part]);
  return joined.length > OVERSIZED_KEEP_BYTES ? joined.subarray(joined.length - OVERSIZED_KEEP_BYTES) : joined;
}

/** The line as text, or null when its bytes are not valid UTF-8 (never decoded into replacement characters). */
export function decodeUtf8(bytes: Buffer): string | null {
  return isUtf8(bytes) ? bytes.toString('utf8') : null;
}
