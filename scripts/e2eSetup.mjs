// Installs what the end-to-end suite and the extension bench run in — code-server, Chromium and their system
// packages — once, cached under .vscode-test/. Shared so `npm test` and `npm run bench` set up the same way.
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;

/** Runs scripts/setup-e2e.sh; true when it succeeded (its own output says what went wrong otherwise). */
export function setUpEndToEnd() {
  const r = spawnSync('bash', ['scripts/setup-e2e.sh'], { cwd: root, stdio: 'inherit' });
  if (r.error) throw r.error;
  return r.status === 0;
}
