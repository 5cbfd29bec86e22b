// Expands VS Code-style variables in config strings: ${workspaceFolder}, ${env:X}, ${userHome}, …
import { homedir } from 'node:os';
import { basename, sep } from 'node:path';

export interface VariableContext {
  workspaceFolder?: string;
  env: NodeJS.ProcessEnv;
}

/** Returns the expanded string, or throws an Error naming the variable that cannot be resolved. */
export function expandVariables(value: string, ctx: VariableContext): string {
  return value.replace(/\$\{([^}]+)\}/g, (whole, name: string) => {
    if (name.startsWith('env:')) {
      // ${env:NAME:-default} as in a shell: the default when NAME is unset or empty. Without one, an unset variable is
      // an error that names it: an empty token or path would start the server wrong, and silently.
      const body = name.slice(4);
      const sep = body.indexOf(':-');
      const varName = sep < 0 ? body : body.slice(0, sep);
      const value = ctx.env[varName];
      if (sep >= 0) return value ? value : body.slice(sep + 2);
      if (value === undefined) throw new Error(`\${env:${varName}} is used but the environment variable ${varName} is not set (set it, or write \${env:${varName}:-default})`);
      return value;
    }
    switch (name) {
      case 'workspaceFolder':
      case 'workspaceRoot':
        if (!ctx.workspaceFolder) throw new Error(`${whole} is used but there is no workspace folder`);
        return ctx.workspaceFolder;
      case 'workspaceFolderBasename':
        if (!ctx.workspaceFolder) throw new Error(`${whole} is used but there is no workspace folder`);
        return basename(ctx.workspaceFolder);
      case 'userHome':
        return homedir();
      case 'pathSeparator':
      case '/':
        return sep;
      default:
        // ${input:…} prompts and unknown variables cannot be answered headless: say so instead of passing them through.
        throw new Error(`${whole} is not supported by MCP Warden (supported: workspaceFolder, workspaceFolderBasename, userHome, pathSeparator, env:NAME, env:NAME:-default)`);
    }
  });
}

/** Parses a dotenv file: KEY=VALUE lines, # comments, optional quotes, `export ` prefix. */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2]!;
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) {
      v = v.slice(1, -1);
      if (m[2]!.startsWith('"')) v = v.replace(/\\n/g, '\n');
    } else {
      v = v.replace(/\s+#.*$/, '');
    }
    out[m[1]!] = v;
  }
  return out;
}
