// Gives back the memory of pipe chunks read from servers as fast as they arrive. Each chunk Node reads from a pipe is a
// fresh 64 KB buffer outside V8's heap, dead once split into lines; V8 collects such buffers only when their total
// passes its external-memory limit (~64 MB), so a server writing 10 MB/s grew the engine by ~40 MB of dead buffers.
// A young-generation collection after every 1 MB read frees them (measured: 0.04-0.2 ms each; +10 MB instead of +39 MB),
// and a full one the promoted ones. What remains under a flood (+5 to +15 MB) is the allocator keeping freed pages.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const RECLAIM_EVERY_BYTES = 1024 * 1024;
/**
 * Chunks still in flight at a minor GC survive it and, twice, are promoted: a full GC frees those, when buffers outside
 * the heap still hold more than this after the minor one (measured: ~7 ms for the engine's heap), else every 16th time.
 */
const FULL_WHEN_BUFFERS_BYTES = 6 * 1024 * 1024;
const FULL_EVERY_RECLAIMS = 16;
const MIN_INTERVAL_MS = 50;

type Gc = (options?: { type?: 'minor' | 'major'; execution?: 'sync' | 'async' }) => void;

let gc: Gc | null | undefined;
let bytesSince = 0;
let lastAt = 0;
let reclaims = 0;

function loadGc(): Gc | null {
  try {
    // V8's gc() without starting Node with --expose-gc: set the flag, then fetch the function from a fresh context
    // (the current one was created before the flag). Where that fails, reads still work, with V8's own GC timing.
    setFlagsFromString('--expose-gc');
    const fn = runInNewContext('gc') as unknown;
    return typeof fn === 'function' ? (fn as Gc) : null;
  } catch {
    return null;
  }
}

/** Counts bytes just read from a child's pipe; after every few MB, a minor GC frees the dead chunks. */
export function noteBytesRead(bytes: number): void {
  bytesSince += bytes;
  if (bytesSince < RECLAIM_EVERY_BYTES) return;
  const now = Date.now();
  if (now - lastAt < MIN_INTERVAL_MS) return;
  bytesSince = 0;
  lastAt = now;
  gc ??= loadGc();
  if (!gc) return;
  if (++reclaims % FULL_EVERY_RECLAIMS === 0) {
    gc({ type: 'major' });
    return;
  }
  gc({ type: 'minor' });
  if (process.memoryUsage().arrayBuffers > FULL_WHEN_BUFFERS_BYTES) {
    reclaims = 0;
    gc({ type: 'major' });
  }
}
