// The analysis worker's body: analyses the batches the main thread posts (batchAnalysis.ts) and posts each result
// back, then raises the shared flag the main thread waits on (analysisThread.ts). Bundled into a string at build time
// and started with `eval`, so the product, the tests and the benches all run it from their own bundle.
import { parentPort, workerData } from 'node:worker_threads';
import type { AnalysisReply, AnalysisRequest, AnalysisWorkerData } from './analysisThread';
import { BatchAnalyser } from './batchAnalysis';

if (parentPort) {
  const { port, flag } = workerData as AnalysisWorkerData;
  const replies = new Int32Array(flag);
  const analyser = new BatchAnalyser();
  port.on('message', (req: AnalysisRequest) => {
    let reply: AnalysisReply;
    let transfer: ArrayBuffer[] = [];
    try {
      const batch = analyser.analyse(req.texts);
      reply = { seq: req.seq, batch };
      transfer = [batch.lengths.buffer, batch.start.buffer, batch.docs.buffer, batch.tfs.buffer, batch.positions.buffer] as ArrayBuffer[];
    } catch (err) {
      reply = { seq: req.seq, error: (err as Error).message };
    }
    port.postMessage(reply, transfer);
    Atomics.add(replies, 0, 1);
    Atomics.notify(replies, 0);
  });
}
