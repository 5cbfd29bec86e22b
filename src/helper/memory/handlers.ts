// Serves the Memory* requests of the shared protocol from the helper. The store opens on first use, so a
// runtime that cannot load better-sqlite3 breaks memory requests (with a clear error), never the supervisor.
import { DisposableStore, toDisposable, type Disposable } from '../../shared/disposable';
import { checkMemorySettings } from '../../shared/memorySettings';
import {
  MemoryConfigureRequest,
  MemoryDeleteRequest,
  MemoryExportRequest,
  MemoryGetRequest,
  MemoryImportRequest,
  MemoryProgressNotification,
  MemoryRecentRequest,
  MemorySaveRequest,
  MemorySearchRequest,
  MemoryStatsRequest,
} from '../../shared/protocol';
import type { RequestHost } from '../rpc/requestHost';
import { guarded } from '../rpc/supervisorHandlers';
import { exportJsonl, importJsonl } from './importExport';
import { MemoryStore, type ConfigurableStoreOptions } from './store';
import { memoryDbPath, storeOptionsFromEnv, storeOptionsFromSettings } from './storeConfig';

/** One store per helper process, shared by all its connections. */
let shared: MemoryStore | undefined;
let users = 0;
/** The options of the last MemoryConfigureRequest; none yet: the environment's. */
let configured: ConfigurableStoreOptions | undefined;

/** The helper's one store, opened on first use (also by the in-process memory MCP server the agent reaches over HTTP). */
export function sharedMemoryStore(options: { stateDir: string; dbPath?: string }): MemoryStore {
  return (shared ??= MemoryStore.open(options.dbPath ?? memoryDbPath(options.stateDir), configured ?? storeOptionsFromEnv()));
}

export function registerMemoryHandlers(host: RequestHost, options: { stateDir: string; dbPath?: string }): Disposable {
  const store = () => sharedMemoryStore(options);
  users++;
  const d = new DisposableStore();
  d.add(
    host.onRequest(MemoryConfigureRequest.type, (p) =>
      guarded(() => {
        // Applied to the open store, or kept for when it opens: configuring never opens the database by itself.
        configured = storeOptionsFromSettings(checkMemorySettings(p));
        shared?.configure(configured);
      }),
    ),
  );
  d.add(host.onRequest(MemorySaveRequest.type, (p) => guarded(() => store().save(p))));
  d.add(host.onRequest(MemorySearchRequest.type, (p) => guarded(() => store().search(p))));
  d.add(host.onRequest(MemoryGetRequest.type, (p) => guarded(() => store().get(p.id))));
  d.add(host.onRequest(MemoryDeleteRequest.type, (p) => guarded(() => ({ deleted: store().delete(p.id) }))));
  d.add(host.onRequest(MemoryRecentRequest.type, (p) => guarded(() => store().recent(p))));
  d.add(host.onRequest(MemoryStatsRequest.type, () => guarded(() => store().stats())));
  d.add(
    host.onRequest(MemoryImportRequest.type, (p) =>
      guarded(async () => {
        const r = await importJsonl(store(), p.path, (pr) => void host.sendNotification(MemoryProgressNotification.type, { operation: 'import', ...pr }));
        return { imported: r.imported, duplicates: r.duplicates, skipped: r.skipped, format: r.format };
      }),
    ),
  );
  d.add(
    host.onRequest(MemoryExportRequest.type, (p) =>
      guarded(() => exportJsonl(store(), p.path, (pr) => void host.sendNotification(MemoryProgressNotification.type, { operation: 'export', ...pr }))),
    ),
  );
  d.add(
    toDisposable(() => {
      if (--users === 0) {
        shared?.close();
        shared = undefined;
        configured = undefined;
      }
    }),
  );
  return d;
}
