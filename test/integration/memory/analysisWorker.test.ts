// Large batches are analysed on a worker thread while their rows are inserted: the worker gives exactly the inline
// analysis, a store indexed through it ranks as one indexed inline, its OS thread ends when idle or when the store
// closes, and a worker that fails or never answers leaves the batch to the main thread, with nothing lost.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ANALYSIS_THREAD_NAME, AnalysisThread } from '../../../src/helper/memory/search/analysisThread';
import { BatchAnalyser } from '../../../src/helper/memory/search/batchAnalysis';
import { WORKER_MIN_MEMORIES } from '../../../src/helper/memory/search/indexer';
import { MemoryStore } from '../../../src/helper/memory/store';
import { tempDir } from '../../support/fixtures';
import { threadNames, waitFor } from '../../support/procfs';

const analysisThreads = () => threadNames().filter((n) => n === ANALYSIS_THREAD_NAME).length;
const analysisThreadsReach = (n: number, what: string) => waitFor(what, () => analysisThreads() === n, 5000, 10);

const WORDS = ['staging', 'database', 'password', 'rotates', 'getUserById', 'src/config/parse.ts', 'FEATURE_DARK_MODE', 'Ünïcödé', 'naïve', 'café', 'retry', 'policy', 'e2e_tests/run_all.sh', 'the', 'a', 'HTTPServer'];

function memories(n: number, seed = 7): { content: string; tags: string[] }[] {
  let x = seed;
  const next = () => (x = (x * 1103515245 + 12345) >>> 0) % 1_000_003;
  return Array.from({ length: n }, (_, i) => {
    const words = Array.from({ length: 5 + (next() % 20) }, () => WORDS[next() % WORDS.length]);
    return { content: `${words.join(' ')} note ${i}`, tags: i % 3 ? [WORDS[next() % WORDS.length]!, `t${i % 7}`] : [] };
  });
}

function texts(ms: { content: string; tags: string[] }[]): string[] {
  return ms.flatMap((m) => [m.content, m.tags.join(' ')]);
}

describe('analysis of large batches on a worker thread', () => {
  it('gives exactly the inline analysis, batch after batch', () => {
    const thread = new AnalysisThread();
    const inline = new BatchAnalyser();
    try {
      for (let b = 0; b < 3; b++) {
        const batch = texts(memories(1500, b + 1));
        const ticket = thread.post(batch);
        assert.notEqual(ticket, null);
        const fromWorker = thread.take(ticket!);
        assert.ok(fromWorker, 'the worker answered');
        assert.deepEqual(fromWorker, inline.analyse(batch));
      }
    } finally {
      thread.dispose();
    }
  });

  it('indexes a store that ranks exactly as one indexed on the main thread, and ends its thread on close', async () => {
    const all = memories(3 * WORKER_MIN_MEMORIES);
    const before = analysisThreads();
    const viaWorker = MemoryStore.open(join(tempDir('analysis-worker'), 'memory.db'));
    const inline = MemoryStore.open(join(tempDir('analysis-inline'), 'memory.db'));
    try {
      viaWorker.saveMany(all);
      await analysisThreadsReach(before + 1, 'the analysis thread');
      // Batches below the threshold are analysed inline.
      for (let i = 0; i < all.length; i += WORKER_MIN_MEMORIES - 1) inline.saveMany(all.slice(i, i + WORKER_MIN_MEMORIES - 1));
      for (const query of ['staging password', 'user', 'dark mode', 'cafe naive', 'parse config', 'http server retry policy', 'note 1234', 't3']) {
        const a = await viaWorker.search({ query, limit: 20 });
        const b = await inline.search({ query, limit: 20 });
        assert.ok(a.hits.length > 0, `hits for "${query}"`);
        assert.deepEqual(
          a.hits.map((h) => [h.content, h.score]),
          b.hits.map((h) => [h.content, h.score]),
          `"${query}"`,
        );
      }
    } finally {
      viaWorker.close();
      inline.close();
    }
    await analysisThreadsReach(before, 'the analysis thread to end after close');
  });

  it('stops its thread once idle', async () => {
    const before = analysisThreads();
    const thread = new AnalysisThread({ idleStopMs: 100 });
    try {
      assert.ok(thread.take(thread.post(texts(memories(10)))!));
      assert.ok(thread.isRunning);
      await analysisThreadsReach(before + 1, 'the analysis thread');
      await waitFor('the worker to stop when idle', () => !thread.isRunning, 5000, 10);
      await analysisThreadsReach(before, 'the analysis thread to end');
    } finally {
      thread.dispose();
    }
  });

  it('gives the batch back to the main thread when the worker never answers, and stops it', async () => {
    const before = analysisThreads();
    const silent = new AnalysisThread({ source: 'setInterval(() => {}, 1000)', batchTimeoutMs: 300 });
    try {
      const ticket = silent.post(texts(memories(10)));
      assert.notEqual(ticket, null);
      const started = Date.now();
      assert.equal(silent.take(ticket!), null);
      assert.ok(Date.now() - started < 5000, 'gave up after its timeout');
      assert.equal(silent.isRunning, false);
      assert.equal(silent.post(texts(memories(10))), null, 'later batches are analysed inline');
      await analysisThreadsReach(before, 'the silent worker to end');
    } finally {
      silent.dispose();
    }
  });

  it('gives the batch back when the worker fails, and a store indexes every memory regardless', async () => {
    // Replies with an error, as the real worker does when analysis throws.
    const source = `const { workerData } = require('node:worker_threads');
      const replies = new Int32Array(workerData.flag);
      workerData.port.on('message', (m) => {
        workerData.port.postMessage({ seq: m.seq, error: 'boom' });
        Atomics.add(replies, 0, 1);
        Atomics.notify(replies, 0);
      });`;
    const failing = new AnalysisThread({ source, batchTimeoutMs: 20_000 });
    try {
      const ticket = failing.post(texts(memories(10)));
      const started = Date.now();
      assert.equal(failing.take(ticket!), null);
      assert.ok(Date.now() - started < 10_000, 'the error ended the wait');
      assert.equal(failing.isRunning, false);
    } finally {
      failing.dispose();
    }
    // The store's own worker replaced by a broken one: the import still indexes every memory (inline).
    const store = MemoryStore.open(join(tempDir('analysis-broken'), 'memory.db'));
    try {
      const indexer = (store as unknown as { indexer: { thread: AnalysisThread } }).indexer;
      indexer.thread.dispose();
      (indexer as unknown as { thread: AnalysisThread }).thread = new AnalysisThread({ source: 'setInterval(() => {}, 1000)', batchTimeoutMs: 200 });
      const all = memories(WORKER_MIN_MEMORIES + 1);
      assert.equal(store.saveMany(all).imported, all.length);
      const r = await store.search({ query: `note ${WORKER_MIN_MEMORIES}`, limit: 1 });
      assert.equal(r.hits[0]?.content, all[WORKER_MIN_MEMORIES]!.content);
    } finally {
      store.close();
    }
  });
});
