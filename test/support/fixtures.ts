// Paths to the fixture MCP servers and a temp-dir config writer for tests.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** The repository root, found from wherever the bundled test file lives (out/test/…). */
function findRepoRoot(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'mcp-warden') return dir;
  }
  throw new Error(`cannot find the mcp-warden repository above ${__dirname}`);
}

export const repoRoot = findRepoRoot();
export const fixture = (name: string) => join(repoRoot, 'test/fixtures/servers', `${name}.mjs`);
export const nodeBin = process.execPath;

export function tempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `mcp-warden-${label}-`));
}

export function writeConfig(dir: string, body: unknown, name = 'mcp.json'): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(body, null, 2));
  return path;
}

export function fixtureServer(name: string, env: Record<string, string> = {}, warden?: Record<string, unknown>) {
  return { type: 'stdio', command: nodeBin, args: [fixture(name)], env, ...(warden ? { warden } : {}) };
}
