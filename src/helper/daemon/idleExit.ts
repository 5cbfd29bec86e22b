// The daemon leaves by itself once nobody needs it: no editor window attached, no client sessions and no running
// servers for idleExitSec.
import { toDisposable, type Disposable } from '../../shared/disposable';
import type { SessionManager } from '../sessions/sessionManager';
import type { Supervisor } from '../supervisor/supervisor';

export const DEFAULT_DAEMON_IDLE_EXIT_SEC = 600;

export function exitWhenIdle(sessions: SessionManager, supervisor: Supervisor, idleExitSec: number, exit: (reason: string) => void, windows: () => number = () => 0): Disposable {
  let idleSince = Date.now();
  const busy = () => windows() > 0 || sessions.sessionCount > 0 || supervisor.snapshot().servers.some((s) => s.state === 'starting' || s.state === 'running' || s.state === 'stopping');
  const checkMs = Math.max(250, Math.min(30_000, (idleExitSec * 1000) / 4));
  const timer = setInterval(() => {
    if (busy()) {
      idleSince = Date.now();
      return;
    }
    if (Date.now() - idleSince >= idleExitSec * 1000) exit(`idle for ${idleExitSec} s: no windows, no clients and no running servers`);
  }, checkMs);
  timer.unref();
  const sub = sessions.onDidChange(() => {
    if (busy()) idleSince = Date.now();
  });
  return toDisposable(() => {
    clearInterval(timer);
    sub.dispose();
  });
}
