// One exit path for the helper: stop every server (verified against the process table), release everything, exit.
// Whatever triggers it — a signal, the IPC channel closing, the parent dying, a crash — runs it once, bounded in time.
import type { Disposable } from '../../shared/disposable';
import type { StopResult } from '../../shared/protocol';

/** Enough for every server's grace period (they stop in parallel) plus the final SIGKILL check. */
export const CLEANUP_DEADLINE_MS = 15_000;

export interface CleanupTarget {
  shutdown(reason: string): Promise<StopResult>;
  /** Last resort when the deadline passes or a second signal arrives: SIGKILL every recorded group. */
  killEverything(): void;
  dispose(): void;
}

export function installCleanup(target: CleanupTarget, log: (line: string) => void): Disposable & { run(reason: string, code?: number): Promise<void> } {
  let running: Promise<void> | undefined;
  const run = (reason: string, code = 0): Promise<void> => {
    if (running) return running;
    log(`helper stopping: ${reason}`);
    const deadline = setTimeout(() => {
      log(`cleanup took longer than ${CLEANUP_DEADLINE_MS} ms; killing every recorded process`);
      target.killEverything();
      process.exit(code || 1);
    }, CLEANUP_DEADLINE_MS);
    running = target
      .shutdown(reason)
      .then((r) => {
        if (r.survivors.length) log(`${r.survivors.length} process(es) survived: ${r.survivors.map((s) => s.pid).join(', ')}`);
      })
      .catch((err: unknown) => {
        log(`cleanup failed: ${(err as Error).message}; killing every recorded process`);
        target.killEverything();
      })
      .finally(() => {
        clearTimeout(deadline);
        target.dispose();
        process.exit(code);
      });
    return running;
  };
  const onSignal = (sig: NodeJS.Signals) => {
    if (running) {
      // A second signal while cleaning up: the user wants out now.
      target.killEverything();
      process.exit(1);
    }
    void run(`received ${sig}`);
  };
  const onCrash = (err: unknown) => {
    log(`helper crashed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    void run('an internal error', 1);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('SIGHUP', onSignal);
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  return {
    run,
    dispose() {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      process.off('SIGHUP', onSignal);
      process.off('uncaughtException', onCrash);
      process.off('unhandledRejection', onCrash);
    },
  };
}
