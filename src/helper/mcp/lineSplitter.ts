// Splits a byte stream from a server into lines with a bound in bytes: whatever the server writes (one endless line,
// a giant reply, a flood of short lines), what we hold is at most maxLineBytes plus a small head and tail.
import { noteBytesRead } from '../platform/readBuffers';

/** Bytes kept from the start and the end of a line that is too long (for the log, and to find a reply's id). */
export const LONG_LINE_EDGE_BYTES = 256;

export interface LongLine {
  /** The first bytes of the line (a copy: it retains none of the stream's chunks). */
  head: string;
  /** The last bytes of the line, up to its newline. */
  tail: string;
  /** The whole line's length in bytes, newline excluded. */
  bytes: number;
}

export interface LineSink {
  /** A complete line within the bound, newline excluded (decoded as UTF-8; a fresh string, retaining no chunk). */
  line(line: string): void;
  /** A line just went over the bound; the rest of it is discarded as it arrives. */
  overflow?(head: string): void;
  /** The newline (or the end of the stream) of a line that went over the bound. */
  longLine?(info: LongLine): void;
}

export class LineSplitter {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** While discarding an over-long line: its length so far, and its head and last bytes. */
  private longBytes = -1;
  private longHead = '';
  private tail: Buffer = Buffer.alloc(0);

  constructor(
    private readonly maxLineBytes: number,
    private readonly sink: LineSink,
  ) {}

  get bufferedBytes(): number {
    return this.buffered;
  }

  push(chunk: Buffer): void {
    // The chunk is dead once split (lines are copied out of it): let the engine reclaim such chunks promptly.
    noteBytesRead(chunk.length);
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(10, start);
      const end = nl < 0 ? chunk.length : nl;
      if (this.longBytes >= 0) this.discard(chunk.subarray(start, end));
      else if (this.buffered + (end - start) > this.maxLineBytes) this.startDiscarding(chunk.subarray(start, end));
      else if (nl >= 0 && this.buffered === 0) {
        // The common case, a whole line inside one chunk: decode it in place, no view object per line.
        this.sink.line(chunk.toString('utf8', start, end));
        start = nl + 1;
        continue;
      } else if (end > start) {
        this.chunks.push(chunk.subarray(start, end));
        this.buffered += end - start;
      }
      if (nl < 0) break;
      this.finishLine();
      start = nl + 1;
    }
  }

  /** The stream ended: a last line without a newline still counts. */
  end(): void {
    if (this.buffered > 0 || this.longBytes >= 0) this.finishLine();
  }

  reset(): void {
    this.chunks = [];
    this.buffered = 0;
    this.longBytes = -1;
    this.longHead = '';
    this.tail = Buffer.alloc(0);
  }

  private startDiscarding(rest: Buffer): void {
    // The head comes from the first chunks only: never concatenate megabytes to show 256 bytes.
    const parts: Buffer[] = [];
    let have = 0;
    for (const c of [...this.chunks, rest]) {
      if (have >= LONG_LINE_EDGE_BYTES) break;
      const take = c.subarray(0, LONG_LINE_EDGE_BYTES - have);
      parts.push(take);
      have += take.length;
    }
    this.longHead = Buffer.concat(parts).toString('utf8');
    this.longBytes = this.buffered;
    this.chunks = [];
    this.buffered = 0;
    this.tail = Buffer.alloc(0);
    this.sink.overflow?.(this.longHead);
    this.discard(rest);
  }

  private discard(part: Buffer): void {
    this.longBytes += part.length;
    if (part.length >= LONG_LINE_EDGE_BYTES) this.tail = Buffer.from(part.subarray(part.length - LONG_LINE_EDGE_BYTES));
    else if (part.length) this.tail = Buffer.concat([this.tail, part]).subarray(-LONG_LINE_EDGE_BYTES);
  }

  private finishLine(): void {
    if (this.longBytes >= 0) {
      const info: LongLine = { head: this.longHead, tail: this.tail.toString('utf8'), bytes: this.longBytes };
      this.reset();
      this.sink.longLine?.(info);
      return;
    }
    const line = this.chunks.length === 1 ? this.chunks[0]!.toString('utf8') : Buffer.concat(this.chunks).toString('utf8');
    this.chunks = [];
    this.buffered = 0;
    this.sink.line(line);
  }
}
