// Claude Code: user and "local" servers in ~/.claude.json (top-level `mcpServers`, and `projects[path].mcpServers`),
// shared project servers in a project's `.mcp.json`. CLAUDE_CONFIG_DIR moves ~/.claude.json into that directory.
import type { ClientFile, LocateContext, ServerContainer } from '../types';
import { pathFor } from './pathFor';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function claudeCodeFiles(ctx: LocateContext): ClientFile[] {
  const p = pathFor(ctx.platform);
  const dir = ctx.env.CLAUDE_CONFIG_DIR || ctx.homeDir;
  const files: ClientFile[] = [{
    client: 'claude-code',
    path: p.join(dir, '.claude.json'),
    format: 'json',
    scope: 'user',
    dialect: 'claude-code',
    containers: (doc) => {
      const out: ServerContainer[] = [{ path: ['mcpServers'] }];
      const projects = isObject(doc) ? doc.projects : undefined;
      if (isObject(projects)) {
        // Sorted so the order (and so collision names) does not depend on the order Claude Code wrote them in.
        for (const key of Object.keys(projects).sort()) {
          out.push({ path: ['projects', key, 'mcpServers'], baseDir: key });
        }
      }
      return out;
    },
  }];
  if (ctx.projectDir) {
    files.push({
      client: 'claude-code',
      path: p.join(ctx.projectDir, '.mcp.json'),
      format: 'json',
      scope: 'project',
      dialect: 'claude-code',
      containers: () => [{ path: ['mcpServers'], baseDir: ctx.projectDir }],
    });
  }
  return files;
}
