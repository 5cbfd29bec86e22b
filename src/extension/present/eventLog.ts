// One log line per helper event (start, handshake, warn, cap, restart n/N, gave up, stop): its level and its text.
// The LogOutputChannel adds the timestamp; vscode-free so the wording is unit-tested.
import { formatBytes, formatDuration } from '../../shared/format';
import type { WardenEvent } from '../../shared/protocol';
import { formatMs, plainText, plural } from './text';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

export interface LogLine {
  level: LogLevel;
  /** The server the line is about (it also goes to that server's own channel), or null. */
  server: string | null;
  /** Without the server name: the main channel prefixes it, the server's own channel does not. */
  text: string;
}

/** The reason part of a helper sentence ("`x` is crashed: exited with code 3" → "exited with code 3"). */
function reasonOf(e: WardenEvent): string {
  const m = plainText(e.message);
  const colon = m.indexOf(': ');
  return colon >= 0 && e.kind === 'state' ? m.slice(colon + 2) : m;
}

function stopFigures(e: WardenEvent): string {
  const parts: string[] = [];
  if (e.stopMs !== undefined) parts.push(`stop took ${formatMs(e.stopMs)}`);
  if (e.uptimeMs !== undefined && e.uptimeMs > 0) parts.push(`ran ${e.uptimeMs < 60_000 ? formatMs(e.uptimeMs) : formatDuration(e.uptimeMs)}`);
  if (e.survivorPids !== undefined) {
    parts.push(e.survivorPids.length ? `${plural(e.survivorPids.length, 'process', 'processes')} survived SIGKILL (${e.survivorPids.join(', ')})` : 'no survivors');
  }
  return parts.length ? ` (${parts.join(', ')})` : '';
}

export function eventLogLine(e: WardenEvent): LogLine | null {
  const server = e.server;
  const line = (level: LogLevel, text: string): LogLine => ({ level, server, text });
  switch (e.kind) {
    case 'state': {
      const why = reasonOf(e);
      switch (e.state) {
        case 'starting':
          return line('info', `starting (${why})`);
        case 'running': {
          const figures = [
            e.pid !== undefined ? `pid ${e.pid}` : null,
            e.handshakeMs !== undefined ? `handshake in ${formatMs(e.handshakeMs)}` : 'handshake complete',
            e.toolCount !== undefined ? plural(e.toolCount, 'tool', 'tools') : null,
          ].filter(Boolean);
          return line('info', `running: ${figures.join(', ')}`);
        }
        case 'stopping':
          return line('debug', `stopping (${why})`);
        case 'stopped':
          return line(e.survivorPids?.length ? 'error' : 'info', `stopped: ${why}${stopFigures(e)}`);
        case 'crashed':
          return line('warn', `crashed: ${why}${stopFigures(e)}`);
        case 'capped':
          return line('warn', `capped: ${why}${stopFigures(e)}`);
        case 'failed':
          return line('error', `failed: ${why}`);
        default:
          return line('info', `${e.state ?? 'state'}: ${why}`);
      }
    }
    case 'warning': {
      const figures = e.rssBytes !== undefined && e.limitBytes !== undefined ? ` (${formatBytes(e.rssBytes)} of a ${formatBytes(e.limitBytes)} limit)` : '';
      return line('warn', `warning: ${plainText(e.message)}${figures}`);
    }
    case 'cap': {
      if (e.action === 'give-up') {
        const n = e.attempt !== undefined && e.maxAttempts !== undefined ? ` after ${e.attempt}/${e.maxAttempts} restarts` : '';
        // The 'failed' state line just before says why; this one says what Warden did.
        return line('error', `gave up${n}; it stays failed until it is started again`);
      }
      if (e.rssBytes !== undefined && e.limitBytes !== undefined) {
        const then = e.action === 'restart' ? 'restarting' : e.action === 'kill' ? 'stopping it (memoryAction "kill")' : 'left running (memoryAction "warn")';
        return line(e.action === 'warn' ? 'warn' : 'error', `memory cap: ${formatBytes(e.rssBytes)} over the ${formatBytes(e.limitBytes)} limit; ${then}`);
      }
      return line(e.action === 'refuse' ? 'warn' : 'error', `cap${e.code ? ` ${e.code}` : ''}: ${plainText(e.message)}`);
    }
    case 'restart': {
      const n = e.attempt !== undefined && e.maxAttempts !== undefined ? ` ${e.attempt}/${e.maxAttempts}` : '';
      const backoff = e.backoffMs !== undefined ? ` in ${formatMs(e.backoffMs)} (backoff)` : '';
      return line('warn', `restart${n}${backoff}: ${plainText(e.message).replace(/;\s*restart .*$/, '')}`);
    }
    case 'orphans-reaped':
      return line('info', plainText(e.message));
    case 'config-problem':
      return line('warn', `config: ${plainText(e.message)}`);
    case 'error':
      // A crash is reported by its 'crashed' state line and the restart line after it; this one only repeats them.
      if (e.code === 'SPAWN_FAILED' && e.server) return line('debug', plainText(e.message));
      return line('error', plainText(e.message));
    default:
      return line('info', plainText(e.message));
  }
}
