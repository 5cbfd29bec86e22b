// Where a server's memory limit comes from (its own "warden" entry, its file's top-level "warden", or the setting),
// what to propose instead, and the edit to its config file that keeps comments and formatting (jsonc-parser).
import { applyEdits, findNodeAtLocation, modify, parseTree, type JSONPath } from 'jsonc-parser';

export type LimitOrigin =
  /** The server's own `"warden": {"memoryLimitMB": …}` in its config file. */
  | { kind: 'server'; path: JSONPath; valueMB: number }
  /** The file's top-level `"warden"` object (defaults for its servers). */
  | { kind: 'file'; path: JSONPath; valueMB: number }
  /** Neither: the setting applies. */
  | { kind: 'setting' };

/** The key of the servers object in this file ("servers" in VS Code's mcp.json, "mcpServers" in Claude/Cursor files). */
function serversKey(root: ReturnType<typeof parseTree>, name: string): string | null {
  for (const key of ['servers', 'mcpServers']) if (root && findNodeAtLocation(root, [key, name])) return key;
  return null;
}

/** Which memory limit applies to `name` in this config file's text. */
export function findLimitOrigin(text: string, name: string): LimitOrigin {
  const root = parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
  if (!root) return { kind: 'setting' };
  const key = serversKey(root, name);
  if (key) {
    const path = [key, name, 'warden', 'memoryLimitMB'];
    const node = findNodeAtLocation(root, path);
    if (node && typeof node.value === 'number') return { kind: 'server', path, valueMB: node.value };
  }
  const filePath = ['warden', 'memoryLimitMB'];
  const fileNode = findNodeAtLocation(root, filePath);
  if (fileNode && typeof fileNode.value === 'number') return { kind: 'file', path: filePath, valueMB: fileNode.value };
  return { kind: 'setting' };
}

/** The text with `path` set to `value`, everything else (comments included) untouched. */
export function setJsoncValue(text: string, path: JSONPath, value: unknown): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const edits = modify(text, path, value, { formattingOptions: { insertSpaces: true, tabSize: 2, eol } });
  return applyEdits(text, edits);
}

/** A round figure above both the current limit (×1.5) and what the server used (×1.25): 160 → 256, 1024 → 1536. */
export function proposeLimitMB(currentMB: number, usedMB = 0): number {
  const want = Math.max(currentMB * 1.5, usedMB * 1.25, 16);
  const step = want <= 256 ? 32 : want <= 1024 ? 128 : want <= 4096 ? 512 : 1024;
  return Math.ceil(want / step) * step;
}

/** Input-box check for a limit in MB: a whole number from 16 to 1048576. */
export function validateLimitMB(text: string): string | undefined {
  if (!/^\s*\d+\s*$/.test(text)) return 'A whole number of MB (for example 512)';
  const v = Number(text);
  if (v < 16) return 'At least 16 MB';
  if (v > 1048576) return 'At most 1048576 MB (1 TB)';
  return undefined;
}
