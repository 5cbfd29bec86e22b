// Bulk writes checkpoint the WAL on a worker thread: the data reaches the database file without the writer's help,
// the worker's OS thread is gone when the bulk write ends, and a worker that cannot work leaves the writer in charge.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MemoryStore, type ImportRecord } from '../../../src/helper/memory/store';
import { WAL_AUTOCHECKPOINT_PAGES } from '../../../src/helper/memory/db';
import { WalCheckpointer } from '../../../src/helper/memory/walCheckpointer';
import { repoRoot, tempDir } from '../../support/fixtures';
import { threadNames, waitFor } from '../../support/procfs';

const workerThreads = () => threadNames().filter((n) => n === 'WorkerThread').length;
/** A new thread names itself "WorkerThread" a moment after it starts, so counts are awaited, not read once. */
const workerThreadsReach = (n: number, what: string) => waitFor(what, () => workerThreads() === n, 5000, 10);

function records(n: number, from: number): ImportRecord[] {
  // ~1 KB each, so a few thousand fill a few hundred WAL pages: far below the writer's own checkpoint threshold.
  return Array.from({ length: n }, (_, i) => ({ content: `memory ${from + i} ${'about the bulk write checkpoint worker '.repeat(25)}` }));
}

describe('WAL checkpoints during bulk writes', () => {
  it('copies an import into the database file from a worker thread, whose OS thread is gone afterwards', async () => {
    const path = join(tempDir('wal-bulk'), 'memory.db');
    const store = MemoryStore.open(path, { checkpointWorkerFromWalBytes: 0 });
    store.database.pragma('wal_checkpoint(TRUNCATE)');
    const emptyBytes = statSync(path).size;
    const threadsBefore = workerThreads();
    await store.bulkWrite(async () => {
      for (let b = 0; b < 3; b++) {
        store.saveMany(records(1000, b * 1000));
        await new Promise((resolve) => setImmediate(resolve));
      }
      await workerThreadsReach(threadsBefore + 1, 'one worker thread while writing');
      assert.ok(store.hasCheckpointWorker, 'a worker runs during the bulk write');
      assert.equal(store.database.pragma('wal_autocheckpoint', { simple: true }), 32768);
    });
    assert.equal(workerThreads(), threadsBefore, 'the worker thread has ended');
    assert.equal(store.hasCheckpointWorker, false);
    assert.equal(store.database.pragma('wal_autocheckpoint', { simple: true }), WAL_AUTOCHECKPOINT_PAGES);
    // ~3 MB of memories, under the writer's own 64 MB threshold: only the worker can have moved them into the file.
    const grownBytes = statSync(path).size - emptyBytes;
    assert.ok(grownBytes > 2_500_000, `the database file grew by ${grownBytes} bytes`);
    assert.equal(store.stats().count, 3000);
    store.close();
  });

  it('shares one worker between overlapping bulk writes and stops it after the last', async () => {
    const store = MemoryStore.open(join(tempDir('wal-overlap'), 'memory.db'), { checkpointWorkerFromWalBytes: 0 });
    const threadsBefore = workerThreads();
    let releaseFirst!: () => void;
    const first = store.bulkWrite(() => new Promise<void>((resolve) => (releaseFirst = resolve)));
    try {
      await store.bulkWrite(async () => {
        store.saveMany(records(10, 0));
        await workerThreadsReach(threadsBefore + 1, 'one worker thread');
      });
      assert.ok(store.hasCheckpointWorker, 'still running for the first bulk write');
    } finally {
      releaseFirst();
      await first;
    }
    assert.equal(store.hasCheckpointWorker, false);
    assert.equal(workerThreads(), threadsBefore);
    store.close();
  });

  it('stops the worker when the store is closed in the middle of a bulk write', async () => {
    const store = MemoryStore.open(join(tempDir('wal-close'), 'memory.db'), { checkpointWorkerFromWalBytes: 0 });
    const threadsBefore = workerThreads();
    await store.bulkWrite(async () => {
      store.saveMany(records(100, 0));
      store.close();
    });
    assert.equal(workerThreads(), threadsBefore);
  });

  it('keeps a process with nothing else to do alive until the bulk write has ended', async () => {
    // The test runner keeps this process alive, so the check runs in a child whose only work is the bulk write.
    const script = join(repoRoot, 'out/test/support/bulkImport.entry.js');
    const child = spawn(process.execPath, [script, join(tempDir('wal-exit'), 'memory.db')], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 0);
    assert.deepEqual(JSON.parse(stdout.trim() || '{}'), { finished: true, sawWorker: true, count: 1500 }, 'the code after the awaited bulk write ran');
  });

  it('starts no worker for a bulk write that keeps the WAL small', async () => {
    const store = MemoryStore.open(join(tempDir('wal-small'), 'memory.db'));
    const threadsBefore = workerThreads();
    await store.bulkWrite(async () => {
      store.saveMany(records(1000, 0));
      assert.equal(store.hasCheckpointWorker, false);
      assert.equal(workerThreads(), threadsBefore);
    });
    store.close();
  });

  it('reports a worker that cannot open the database instead of hanging, and takes no more requests', async () => {
    const checkpointer = new WalCheckpointer(join(tempDir('wal-missing'), 'no-such-dir', 'memory.db'), 100);
    const report = await checkpointer.close();
    assert.match(report.error ?? '', /unable to open|directory/i);
    assert.equal(checkpointer.isRunning, false);
    checkpointer.requestCheckpoint();
  });
});
