// Notices when whoever started the helper is gone without telling us (extension host killed with -9).
import { toDisposable, type Disposable } from '../../shared/disposable';
import { pidAlive } from '../platform/pidAlive';

export const PARENT_POLL_MS = 1000;


/** Polls our ppid (reparenting means the parent died) and, when given, the client's pid. */
export function watchParent(onGone: (reason: string) => void, clientPid?: number): Disposable {
  const originalPpid = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== originalPpid) onGone(`its parent process ${originalPpid} is gone`);
    else if (clientPid && clientPid !== originalPpid && !pidAlive(clientPid)) onGone(`the editor process ${clientPid} is gone`);
  }, PARENT_POLL_MS);
  timer.unref();
  return toDisposable(() => clearInterval(timer));
}
