// A separate process that saves N memories one by one into a store file (for the concurrent-writers test).
import { MemoryStore } from '../../src/helper/memory/store';

const [db, tag, count] = process.argv.slice(2);
const store = MemoryStore.open(db!);
void (async () => {
  for (let i = 0; i < Number(count ?? 1000); i++) await store.save({ content: `${tag} item ${i}` });
  store.close();
})();
