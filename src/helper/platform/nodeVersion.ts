// The helper's Node floor: better-sqlite3@13 needs Node 22 and crashes (rather than failing) on older ones.
export const MIN_NODE_MAJOR = 22;

export function nodeVersionProblem(version: string = process.versions.node, execPath: string = process.execPath): string | null {
  const major = Number(version.split('.')[0]);
  if (Number.isFinite(major) && major >= MIN_NODE_MAJOR) return null;
  return (
    `MCP Warden's helper needs Node.js ${MIN_NODE_MAJOR} or newer (for better-sqlite3); it was started with Node.js ${version} (${execPath}). ` +
    'Set "mcpWarden.nodePath" to a Node.js 22+ executable, or run it with a newer node (npm scripts use node_modules/.bin/node).'
  );
}

/** Exits with a clear sentence instead of a segfault later; call before anything loads a native module. */
export function exitIfNodeTooOld(): void {
  const problem = nodeVersionProblem();
  if (problem) {
    process.stderr.write(`${problem}\n`);
    process.exit(78);
  }
}
