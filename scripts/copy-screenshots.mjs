// Copies the end-to-end run's screenshots (test/e2e/artifacts/*.png named below) to docs/images/ for the README.
// Run after `npm run test:e2e`; or run the suite with MCP_WARDEN_SCREENSHOTS_TO_DOCS=1 to write both at once.
import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const from = join(root, 'test', 'e2e', 'artifacts');
const to = join(root, 'docs', 'images');
const names = ['tree-structure', 'tooltip', 'notifications', 'status-attention', 'status-warning', 'call-tool', 'graph', 'settings', 'memory', 'agent-list-servers', 'agent-calls', 'adopt-offer', 'adopt-calls', 'adopt-other-clients', 'who-calls-what', 'who-calls-what-status'];
const missing = names.filter((n) => !existsSync(join(from, `${n}.png`)));
if (missing.length) {
  console.error(`copy-screenshots: ${missing.map((n) => `${n}.png`).join(', ')} not in ${from}: run \`npm run test:e2e\` first`);
  process.exit(1);
}
mkdirSync(to, { recursive: true });
for (const n of names) {
  copyFileSync(join(from, `${n}.png`), join(to, `${n}.png`));
  console.log(`copy-screenshots: docs/images/${n}.png (${Math.round(statSync(join(to, `${n}.png`)).size / 1024)} KB, taken ${statSync(join(from, `${n}.png`)).mtime.toISOString()})`);
}
