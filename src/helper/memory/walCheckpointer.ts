// Copies the write-ahead log into the database on a worker thread while a bulk write (an import) runs, so the
// import's commits never stop for a checkpoint's page copies and fsyncs. SQLite's documentation suggests exactly
// this split: turn the writer's automatic checkpoints down and checkpoint from another connection and thread.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** Messages from the store to the worker. */
type CheckpointerCommand = 'checkpoint' | 'close';

/** What the worker reports when it stops: the checkpoints it ran, or why it gave up. */
interface CheckpointerReport {
  checkpoints: number;
  error?: string;
}

// Plain JavaScript run by the worker (eval), so the bundle needs no second entry point. It owns one connection;
// requests that arrive while a checkpoint runs are coalesced into one more checkpoint afterwards. PASSIVE never
// waits for the writer or for readers: it copies what it can and leaves the rest for the next request.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driverPath);
let db = null;
let checkpoints = 0;
let pending = false;
const stop = (error) => {
  try { if (db) db.close(); } catch {}
  db = null;
  parentPort.postMessage(error ? { checkpoints, error } : { checkpoints });
  parentPort.close();
};
try {
  db = new Database(workerData.path, { timeout: workerData.busyTimeoutMs });
} catch (err) {
  stop(String(err && err.message || err));
}
const checkpoint = () => {
  pending = false;
  if (!db) return;
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    checkpoints++;
  } catch (err) {
    stop(String(err && err.message || err));
  }
};
parentPort.on('message', (command) => {
  if (!db) return;
  if (command === 'close') {
    // The last batch's request may still wait behind this message: run it, so the import ends checkpointed.
    if (pending) checkpoint();
    if (db) stop();
    return;
  }
  if (pending) return;
  pending = true;
  setImmediate(checkpoint);
});
`;

export class WalCheckpointer {
  private readonly worker: Worker;
  private readonly stopped: Promise<CheckpointerReport>;
  private running = true;

  constructor(path: string, busyTimeoutMs: number) {
    const driverPath = createRequire(__filename).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driverPath, path, busyTimeoutMs } });
    // While the import runs, never the reason a process stays alive: a checkpoint cut short by exit is redone by the
    // next one, and the WAL it was copying stays valid meanwhile. close() takes the reference back.
    this.worker.unref();
    this.stopped = new Promise<CheckpointerReport>((resolve) => {
      let report: CheckpointerReport = { checkpoints: 0 };
      this.worker.on('message', (m: CheckpointerReport) => {
        report = m;
        this.running = false;
      });
      this.worker.once('error', (err) => {
        report = { checkpoints: report.checkpoints, error: err.message };
        this.running = false;
      });
      this.worker.once('exit', () => {
        this.running = false;
        resolve(report);
      });
    });
  }

  /** False once the worker has stopped, by request or because it failed; the writer then checkpoints itself. */
  get isRunning(): boolean {
    return this.running;
  }

  /** Called after each bulk commit: the WAL has grown, copy it over when the worker is free. */
  requestCheckpoint(): void {
    if (this.running) this.post('checkpoint');
  }

  /** Stops the worker after its current checkpoint; resolves with what it did. */
  close(): Promise<CheckpointerReport> {
    // Someone awaits this: an unreferenced worker would let a process with nothing else to do exit before the
    // promise settles, so the code after `await store.bulkWrite(...)` (a CLI import's summary) would never run.
    this.worker.ref();
    if (this.running) this.post('close');
    return this.stopped;
  }

  private post(command: CheckpointerCommand): void {
    this.worker.postMessage(command);
  }
}
