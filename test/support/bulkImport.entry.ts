// A separate process that runs one bulk write with the checkpoint worker and then reports, so a test can see that
// the code after `await store.bulkWrite(...)` runs in a process with nothing else to keep it alive.
import { MemoryStore } from '../../src/helper/memory/store';

const [db] = process.argv.slice(2);
const store = MemoryStore.open(db!, { checkpointWorkerFromWalBytes: 0 });
void (async () => {
  let sawWorker = false;
  await store.bulkWrite(async () => {
    for (let b = 0; b < 3; b++) {
      store.saveMany(Array.from({ length: 500 }, (_, i) => ({ content: `bulk ${b} ${i} ${'padding '.repeat(50)}` })));
      sawWorker ||= store.hasCheckpointWorker;
      await new Promise((resolve) => setImmediate(resolve));
    }
  });
  const { count } = store.stats();
  store.close();
  console.log(JSON.stringify({ finished: true, sawWorker, count }));
})();
