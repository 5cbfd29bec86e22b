// Re-reads the engine's config files when they change (adopt writes Warden's user config while the daemon runs).
// Watches each file's directory (editors replace files by rename), debounced, and only the names it was given.
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { toDisposable, type Disposable } from '../../shared/disposable';

const DEBOUNCE_MS = 200;

export function watchConfigFiles(paths: string[], onChange: () => void): Disposable {
  const byDir = new Map<string, Set<string>>();
  for (const p of paths) {
    const set = byDir.get(dirname(p)) ?? new Set<string>();
    set.add(basename(p));
    byDir.set(dirname(p), set);
  }
  let timer: NodeJS.Timeout | undefined;
  const watchers: FSWatcher[] = [];
  for (const [dir, names] of byDir) {
    try {
      const w = watch(dir, { persistent: false }, (_event, name) => {
        if (name && !names.has(name.toString())) return;
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => {
          timer = undefined;
          onChange();
        }, DEBOUNCE_MS);
      });
      w.on('error', () => undefined);
      watchers.push(w);
    } catch {
      // the directory does not exist (yet): nothing to watch
    }
  }
  return toDisposable(() => {
    if (timer) clearTimeout(timer);
    for (const w of watchers) w.close();
  });
}
