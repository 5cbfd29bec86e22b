// Where an engine that serves MCP clients is found in its state dir: its socket, its lock, its HTTP token, its log.
import { createHash } from 'node:crypto';
import { userInfo } from 'node:os';
import { join } from 'node:path';

/** The engine's socket: `mcp-warden connect` and Streamable HTTP. One per state dir (the lock holder serves it). */
export function engineSocketPath(stateDir: string): string {
  if (process.platform === 'win32') return `\\\\.\\pipe\\mcp-warden-${userInfo().username}-${createHash('sha256').update(stateDir).digest('hex').slice(0, 12)}`;
  return join(stateDir, 'engine.sock');
}

export function engineLockPath(stateDir: string): string {
  return join(stateDir, 'engine.lock');
}

export function httpTokenPath(stateDir: string): string {
  return join(stateDir, 'http-token');
}

export function daemonLogPath(stateDir: string): string {
  return join(stateDir, 'daemon.log');
}
