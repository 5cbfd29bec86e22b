// Chooses the Node runtime that runs the helper (Node >= 22, which better-sqlite3 needs); vscode-free so it is unit-tested.
import { execFile } from 'node:child_process';

export const MIN_NODE_MAJOR = 22;

export type RuntimeSource = 'setting' | 'editor' | 'path';

export interface RuntimeChoice {
  /** Absolute path of the executable (never a bare name: languageclient resolves bare names against the workspace). */
  path: string;
  nodeVersion: string;
  source: RuntimeSource;
  /** Extra environment the runtime needs to behave as plain Node (Electron). */
  env: Record<string, string>;
}

export interface RuntimeAttempt {
  source: RuntimeSource;
  path: string;
  /** What was found: a version, or why the candidate could not be used. */
  found: string;
}

export type RuntimeResult = { ok: true; choice: RuntimeChoice; attempts: RuntimeAttempt[] } | { ok: false; attempts: RuntimeAttempt[] };

/** "v24.1.0" or "24.1.0" → 24; anything else → null. */
export function parseNodeMajor(version: string): number | null {
  const m = /^v?(\d+)\.\d+/.exec(version.trim());
  return m ? Number(m[1]) : null;
}

export function isSupportedNodeVersion(version: string): boolean {
  const major = parseNodeMajor(version);
  return major !== null && major >= MIN_NODE_MAJOR;
}

/** What a probe of an executable reports: its Node version and its resolved absolute path. */
export interface ProbeResult {
  version: string;
  execPath: string;
}

export type RuntimeProbe = (command: string, env: Record<string, string>) => Promise<ProbeResult>;

export interface RuntimeInputs {
  /** `mcpWarden.nodePath`, if set. */
  settingPath: string | undefined;
  /** The editor's runtime: `process.execPath`, `process.versions.node`, `process.versions.electron`. */
  editorExecPath: string;
  editorNodeVersion: string;
  editorIsElectron: boolean;
  probe: RuntimeProbe;
}

/**
 * Setting first (an explicit choice is never overridden: if it is unusable the caller must say so),
 * then the editor's own runtime, then `node` on PATH.
 */
export async function findNodeRuntime(inputs: RuntimeInputs): Promise<RuntimeResult> {
  const attempts: RuntimeAttempt[] = [];
  const setting = inputs.settingPath?.trim();
  if (setting) {
    try {
      const r = await inputs.probe(setting, {});
      if (isSupportedNodeVersion(r.version)) {
        return { ok: true, choice: { path: r.execPath, nodeVersion: r.version, source: 'setting', env: {} }, attempts };
      }
      attempts.push({ source: 'setting', path: setting, found: `Node ${r.version}` });
    } catch (err) {
      attempts.push({ source: 'setting', path: setting, found: errorText(err) });
    }
    return { ok: false, attempts };
  }
  const electronEnv: Record<string, string> = inputs.editorIsElectron ? { ELECTRON_RUN_AS_NODE: '1' } : {};
  if (isSupportedNodeVersion(inputs.editorNodeVersion)) {
    return {
      ok: true,
      choice: { path: inputs.editorExecPath, nodeVersion: inputs.editorNodeVersion, source: 'editor', env: electronEnv },
      attempts,
    };
  }
  attempts.push({ source: 'editor', path: inputs.editorExecPath, found: `Node ${inputs.editorNodeVersion}` });
  try {
    const r = await inputs.probe('node', {});
    if (isSupportedNodeVersion(r.version)) {
      return { ok: true, choice: { path: r.execPath, nodeVersion: r.version, source: 'path', env: {} }, attempts };
    }
    attempts.push({ source: 'path', path: r.execPath, found: `Node ${r.version}` });
  } catch (err) {
    attempts.push({ source: 'path', path: 'node', found: errorText(err) });
  }
  return { ok: false, attempts };
}

/** One sentence naming every candidate and what it was, for the error notification. */
export function describeAttempts(attempts: RuntimeAttempt[]): string {
  const where: Record<RuntimeSource, string> = { setting: 'mcpWarden.nodePath', editor: "the editor's runtime", path: '`node` on PATH' };
  return attempts.map((a) => `${where[a.source]} (${a.path}): ${a.found}`).join('; ');
}

function errorText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT') return 'not found';
  if ((e as { killed?: boolean })?.killed) return 'did not answer in time';
  return e?.message ?? String(err);
}

/** Runs `<command> -p "process.versions.node + ' ' + process.execPath"` with a timeout. */
export const execProbe: RuntimeProbe = (command, env) =>
  new Promise((resolve, reject) => {
    execFile(
      command,
      ['-p', 'process.versions.node + "\\n" + process.execPath'],
      { timeout: 5000, env: { ...process.env, ...env }, windowsHide: true },
      (err, stdout) => {
        if (err) return reject(err);
        const [version, execPath] = stdout.trim().split('\n');
        if (!version || !execPath || parseNodeMajor(version) === null) return reject(new Error(`not a Node runtime (printed "${stdout.trim().slice(0, 60)}")`));
        resolve({ version: version.trim(), execPath: execPath.trim() });
      },
    );
  });
