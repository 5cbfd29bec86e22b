// Which helper events become a notification, with what sentence and buttons. End states (failed, capped and stopped
// for good, processes surviving a stop) always reach the user; repeats (a restart, a warn-only cap) are rate-limited
// per server and per kind. vscode-free so every sentence is unit-tested.
import { formatBytes } from '../../shared/format';
import type { WardenEvent } from '../../shared/protocol';
import { formatMs, plainText, plural } from './text';

export type NotificationAction = 'Raise and Restart' | 'Raise Limit' | 'Show Logs' | 'Restart' | 'Open Config' | 'Copy PIDs';

export interface PlannedNotification {
  /** Rate-limit key: server and kind ("leaky:restart"). */
  key: string;
  server: string | null;
  /** End states are never rate-limited. */
  endState: boolean;
  severity: 'error' | 'warning' | 'info';
  message: string;
  actions: NotificationAction[];
  /** For Copy PIDs. */
  pids?: number[];
}

/** What the notifier remembers per server between events: the last memory cap (for "Raise and Restart"). */
export interface ServerMemo {
  lastMemoryCap?: { rssBytes: number; limitBytes: number; time: number };
}

/** A memory cap this recent explains a following restart or give-up. */
export const CAP_EXPLAINS_MS = 120_000;

function memoryCapRecent(memo: ServerMemo | undefined, now: number): ServerMemo['lastMemoryCap'] | undefined {
  const cap = memo?.lastMemoryCap;
  return cap && now - cap.time <= CAP_EXPLAINS_MS ? cap : undefined;
}

/** Drops a leading "name " so a sentence can start with the server's name once. */
function withoutName(text: string, name: string): string {
  return text.startsWith(`${name} `) ? text.slice(name.length + 1) : text;
}

export function planNotification(e: WardenEvent, memo: ServerMemo | undefined): PlannedNotification | null {
  const server = e.server;
  const name = server ?? 'A server';
  const now = e.time;
  if (e.kind === 'cap' && e.rssBytes !== undefined && e.limitBytes !== undefined) {
    const over = `${name} used ${formatBytes(e.rssBytes)}, over its ${formatBytes(e.limitBytes)} memory limit`;
    if (e.action === 'kill') {
      return { key: `${server}:capped`, server, endState: true, severity: 'error', message: `${over}, and was stopped (memoryAction "kill").`, actions: ['Raise and Restart', 'Show Logs'] };
    }
    if (e.action === 'warn') {
      return { key: `${server}:cap-warn`, server, endState: false, severity: 'warning', message: `${over}; it keeps running (memoryAction "warn").`, actions: ['Raise Limit', 'Show Logs'] };
    }
    // action "restart": the 'restart' event that follows says so, with its number and backoff.
    return null;
  }
  if (e.kind === 'cap' && e.code === 'CAP_CHILDREN') {
    return { key: `${server}:capped`, server, endState: true, severity: 'error', message: `${plainText(e.message)} It was stopped with its whole process tree.`, actions: ['Show Logs', 'Restart', 'Open Config'] };
  }
  if (e.kind === 'cap' && e.action === 'refuse') {
    return { key: `${server}:refused`, server, endState: false, severity: 'warning', message: plainText(e.message), actions: ['Open Config'] };
  }
  if (e.kind === 'restart') {
    const n = e.attempt !== undefined && e.maxAttempts !== undefined ? ` (${e.attempt} of ${e.maxAttempts})` : '';
    const when = e.backoffMs !== undefined ? ` in ${formatMs(e.backoffMs)}` : '';
    const cap = memoryCapRecent(memo, now);
    if (cap) {
      return {
        key: `${server}:restart`,
        server,
        endState: false,
        severity: 'warning',
        message: `${name} used ${formatBytes(cap.rssBytes)}, over its ${formatBytes(cap.limitBytes)} memory limit: restarting${n}${when}.`,
        actions: ['Raise Limit', 'Show Logs'],
      };
    }
    const why = withoutName(plainText(e.message), name).replace(/;\s*restart .*$/, '').replace(/\.$/, '');
    return { key: `${server}:restart`, server, endState: false, severity: 'warning', message: `${name} ${why}: restarting${n}${when}.`, actions: ['Show Logs'] };
  }
  if (e.kind === 'state' && e.state === 'failed') {
    const reason = plainText(e.message).replace(/^\S+ is failed: /, '');
    const message = reason.startsWith(`${name} `) ? reason : `${name} failed: ${reason}`;
    const cap = memoryCapRecent(memo, now);
    return {
      key: `${server}:failed`,
      server,
      endState: true,
      severity: 'error',
      message,
      actions: cap ? ['Raise and Restart', 'Show Logs'] : ['Show Logs', 'Restart', 'Open Config'],
    };
  }
  if (e.kind === 'state' && e.survivorPids?.length) {
    return {
      key: `${server}:survivors`,
      server,
      endState: true,
      severity: 'error',
      message: `${plural(e.survivorPids.length, 'process', 'processes')} of ${name} survived SIGKILL after it ${e.state === 'crashed' ? 'crashed' : 'was stopped'} (pids ${e.survivorPids.join(', ')}); kill them by hand or run Kill Orphans.`,
      actions: ['Copy PIDs', 'Show Logs'],
      pids: e.survivorPids,
    };
  }
  if (e.kind === 'orphans-reaped') {
    return { key: 'orphans', server: null, endState: false, severity: 'info', message: `MCP Warden: ${plainText(e.message)}`, actions: [] };
  }
  return null;
}

/** "(2 similar notifications about leaky were not shown)" for the server's next notification. */
export function suppressedTail(server: string | null, count: number): string {
  if (!count) return '';
  return ` (${plural(count, 'similar notification', 'similar notifications')} about ${server ?? 'MCP Warden'} ${count === 1 ? 'was' : 'were'} not shown)`;
}
