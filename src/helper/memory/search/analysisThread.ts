// The analysis worker seen from the main thread: started for the first large batch, a batch posted before the rows
// are inserted and its result taken after (a synchronous wait: the indexer runs inside a SQLite transaction), stopped
// when idle or disposed. Any failure (no worker, an error, a timeout) gives null, and the caller analyses inline.
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { AnalysedBatch } from './batchAnalysis';
import workerSource from './analysisWorker.ts?worker';

export interface AnalysisRequest {
  seq: number;
  /** (content, tags) pairs: texts[2i], texts[2i + 1]. */
  texts: string[];
}

export type AnalysisReply = { seq: number; batch: AnalysedBatch } | { seq: number; error: string };

export interface AnalysisWorkerData {
  port: MessagePort;
  /** An Int32Array over it: [0] counts the replies the worker has posted. */
  flag: SharedArrayBuffer;
}

/** The worker's OS thread name (15 characters at most), so tests and `top -H` can tell it from other workers. */
export const ANALYSIS_THREAD_NAME = 'MemoryAnalysis';
/** The worker stops after this long without a batch (an import posts one every few hundred milliseconds). */
const IDLE_STOP_MS = 10_000;
/** How long a batch may take on the worker before it is given up (and stopped): ~10 µs a memory is usual. */
const BATCH_TIMEOUT_MS = 30_000;

export interface AnalysisThreadOptions {
  /** The worker's code (tests give a broken one). */
  source?: string;
  idleStopMs?: number;
  batchTimeoutMs?: number;
}

export class AnalysisThread {
  private worker: Worker | null = null;
  private port: MessagePort | null = null;
  private replies: Int32Array | null = null;
  private seq = 0;
  /** Set once the worker failed: later batches are analysed inline. */
  private broken = false;
  private idle: NodeJS.Timeout | null = null;

  constructor(private readonly options: AnalysisThreadOptions = {}) {}

  /** Whether a worker thread is running (for tests). */
  get isRunning(): boolean {
    return this.worker !== null;
  }

  /** Posts a batch; its ticket, or null when there is no worker to post to. */
  post(texts: string[]): number | null {
    if (this.broken) return null;
    try {
      this.start();
      this.stopIdleTimer();
      const seq = ++this.seq;
      this.port!.postMessage({ seq, texts } satisfies AnalysisRequest);
      return seq;
    } catch {
      this.fail();
      return null;
    }
  }

  /** The result of a ticket's batch (waiting for it), or null when the worker failed. Older results are dropped. */
  take(ticket: number): AnalysedBatch | null {
    const port = this.port;
    const replies = this.replies;
    if (!port || !replies || ticket !== this.seq) return null;
    const deadline = Date.now() + (this.options.batchTimeoutMs ?? BATCH_TIMEOUT_MS);
    try {
      for (;;) {
        // Read before receiving: a reply posted after this read changes the count, so the wait returns at once.
        const posted = Atomics.load(replies, 0);
        const m = receiveMessageOnPort(port);
        if (m) {
          const reply = m.message as AnalysisReply;
          if (reply.seq !== ticket) continue;
          if ('error' in reply) throw new Error(reply.error);
          return reply.batch;
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new Error('timed out');
        Atomics.wait(replies, 0, posted, Math.min(left, 1000));
      }
    } catch {
      this.fail();
      return null;
    } finally {
      this.armIdleTimer();
    }
  }

  dispose(): void {
    this.stopIdleTimer();
    this.stop();
  }

  private start(): void {
    if (this.worker) return;
    const { port1, port2 } = new MessageChannel();
    const flag = new SharedArrayBuffer(4);
    const worker = new Worker(this.options.source ?? workerSource, { eval: true, name: ANALYSIS_THREAD_NAME, workerData: { port: port2, flag } satisfies AnalysisWorkerData, transferList: [port2] });
    // Neither keeps the process alive: an import that ends lets it exit, the idle timer stops the worker meanwhile.
    worker.unref();
    port1.unref();
    worker.on('error', () => this.fail());
    this.worker = worker;
    this.port = port1;
    this.replies = new Int32Array(flag);
  }

  private stop(): void {
    this.port?.close();
    void this.worker?.terminate();
    this.worker = null;
    this.port = null;
    this.replies = null;
  }

  private fail(): void {
    this.broken = true;
    this.stop();
  }

  private armIdleTimer(): void {
    this.stopIdleTimer();
    if (!this.worker) return;
    this.idle = setTimeout(() => {
      this.idle = null;
      this.stop();
    }, this.options.idleStopMs ?? IDLE_STOP_MS);
    this.idle.unref();
  }

  private stopIdleTimer(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
  }
}
