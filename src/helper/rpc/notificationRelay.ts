// Forwards supervisor snapshots (coalesced), events and stderr batches to one connection as notifications.
import { DisposableStore, type Disposable } from '../../shared/disposable';
import { EventNotification, SnapshotNotification, StderrNotification } from '../../shared/protocol';
import type { SupervisorApi } from '../supervisor/api';
import type { RequestHost } from './requestHost';

export const SNAPSHOT_MIN_INTERVAL_MS = 250;

export function relayNotifications(host: RequestHost, supervisor: SupervisorApi): Disposable {
  const store = new DisposableStore();
  let timer: NodeJS.Timeout | undefined;
  let lastSent = 0;
  const send = (fn: () => void | Promise<void>) => {
    try {
      void Promise.resolve(fn()).catch(() => undefined);
    } catch {
      // connection closing: the lifecycle code handles that
    }
  };
  const flush = () => {
    timer = undefined;
    lastSent = Date.now();
    send(() => host.sendNotification(SnapshotNotification.type, supervisor.snapshot()));
  };
  store.add(
    supervisor.onSnapshot(() => {
      if (timer) return;
      // At most one snapshot per SNAPSHOT_MIN_INTERVAL_MS: a burst of state changes becomes one notification.
      timer = setTimeout(flush, Math.max(0, SNAPSHOT_MIN_INTERVAL_MS - (Date.now() - lastSent)));
    }),
  );
  store.add(supervisor.onEvent((e) => send(() => host.sendNotification(EventNotification.type, e))));
  store.add(supervisor.onStderr((b) => send(() => host.sendNotification(StderrNotification.type, b))));
  store.add({ dispose: () => timer && clearTimeout(timer) });
  return store;
}
