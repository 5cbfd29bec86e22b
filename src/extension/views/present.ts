// How a server and the whole fleet read to a person: tree descriptions, tooltips, icons, status-bar text and severity.
// vscode-free (icons and colors are ids), so every string here is unit-tested.
import { formatBytes, formatDuration } from '../../shared/format';
import type { ServerState, WardenEvent } from '../../shared/protocol';
import type { HelperStatus, ServerEntry } from '../model';

export type Severity = 'ok' | 'warning' | 'error';

export interface IconSpec {
  /** A codicon id for ThemeIcon. */
  id: string;
  /** A theme color id for ThemeColor, or undefined for the default foreground. */
  color: string | undefined;
}

const STATE_ICONS: Record<ServerState, IconSpec> = {
  starting: { id: 'loading~spin', color: 'charts.yellow' },
  running: { id: 'pass-filled', color: 'testing.iconPassed' },
  stopping: { id: 'loading~spin', color: 'charts.yellow' },
  stopped: { id: 'circle-large-outline', color: 'disabledForeground' },
  crashed: { id: 'warning', color: 'list.warningForeground' },
  failed: { id: 'error', color: 'list.errorForeground' },
  capped: { id: 'flame', color: 'list.errorForeground' },
};

/** 'running' and friends, or what keeps a server from running. */
export function entrySeverity(e: ServerEntry): Severity {
  const s = e.snapshot;
  if (e.recentCap) return 'error';
  if (s && (s.state === 'failed' || s.state === 'capped')) return 'error';
  if (s && (s.warnings.length > 0 || s.state === 'crashed')) return 'warning';
  return 'ok';
}

export function serverIcon(e: ServerEntry): IconSpec {
  if (e.blocked && (!e.snapshot || e.snapshot.state === 'stopped')) return { id: 'workspace-untrusted', color: 'list.warningForeground' };
  const state = e.snapshot?.state ?? 'stopped';
  if (state === 'stopped' && e.skippedAutoStart) return { id: 'circle-slash', color: 'disabledForeground' };
  if (state === 'running' && entrySeverity(e) !== 'ok') {
    return e.recentCap ? { id: 'flame', color: 'list.errorForeground' } : { id: 'warning', color: 'list.warningForeground' };
  }
  return STATE_ICONS[state];
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** `412 MB · 3 children · up 2h` for a live server; otherwise its state and why. */
export function serverDescription(e: ServerEntry, nowMs: number): string {
  const s = e.snapshot;
  const live = s && (s.state === 'running' || s.state === 'starting' || s.state === 'stopping');
  if (s && live) {
    const parts = [formatBytes(s.rssBytes), plural(s.children, 'child', 'children')];
    if (s.state !== 'running') parts.unshift(s.state);
    else if (s.startedAt !== null) parts.push(`up ${formatDuration(nowMs - s.startedAt)}`);
    if (s.warnings.length) parts.push(`⚠ ${s.warnings[0]!.message}`);
    return parts.join(' · ');
  }
  if (e.blocked) return `not started: ${e.blocked}`;
  if (e.skippedAutoStart && (!s || s.state === 'stopped')) return 'not auto-started: VS Code’s own MCP support also starts it';
  if (!s) return 'not started';
  return s.stateReason ? `${s.state} · ${s.stateReason}` : s.state;
}

function escapeMd(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}

function code(text: string): string {
  // A backtick run inside inline code would end it early.
  const clean = text.replace(/`/g, "'");
  return '`' + clean + '`';
}

/** The Markdown tooltip: pid, command, RSS per process, restarts, last error, caps in force. */
export function serverTooltip(e: ServerEntry, nowMs: number): string {
  const s = e.snapshot;
  const lines: string[] = [`**${escapeMd(e.name)}** — ${escapeMd(s?.state ?? 'not started')}`, ''];
  if (e.blocked) lines.push(`Not started: ${escapeMd(e.blocked)}`, '');
  if (e.skippedAutoStart) {
    lines.push('Not started automatically because VS Code’s own MCP support also starts servers from this file. Start it here by hand, or set `mcpWarden.startServersAlsoStartedByVSCode`.', '');
  }
  if (e.recentCap) lines.push(`**Cap fired:** ${escapeMd(e.recentCap.message)}`, '');
  if (s) {
    if (s.stateReason) lines.push(`Reason: ${escapeMd(s.stateReason)}`, '');
    lines.push(`Command: ${code([s.command, ...s.args].join(' '))}`, '');
    lines.push(`PID: ${s.pid ?? '—'} · RSS ${formatBytes(s.rssBytes)} · ${plural(s.children, 'child', 'children')}` +
      (s.startedAt !== null ? ` · up ${formatDuration(nowMs - s.startedAt)}` : ''), '');
    lines.push(`Restarts: ${s.restarts} · in-flight requests: ${s.inFlightRequests}`, '');
    if (s.processes.length) {
      lines.push('| PID | RSS | Command |', '|---:|---:|---|');
      for (const p of s.processes.slice(0, 20)) lines.push(`| ${p.pid} | ${formatBytes(p.rssBytes)} | ${code(p.command.slice(0, 80))} |`);
      if (s.processes.length > 20) lines.push(`| … | | ${s.processes.length - 20} more |`);
      lines.push('');
    }
    for (const w of s.warnings) lines.push(`⚠ ${escapeMd(w.message)}`, '');
    if (s.lastError) lines.push(`Last error: ${escapeMd(s.lastError)}`, '');
    const c = s.caps;
    lines.push(
      `Caps: memory ${c.memoryLimitMB} MB (warn at ${c.warnAtPercent}%, then ${c.memoryAction}) · growth ${c.memoryGrowthMBPerMin} MB/min · ` +
        `${c.maxChildren} children · ${c.maxRestarts} restarts in ${c.restartWindowSec}s · ${c.maxInFlightRequests} in-flight`,
    );
  }
  if (e.source) lines.push('', `Config: ${code(e.source)}`);
  return lines.join('\n');
}

export interface StatusSummary {
  text: string;
  severity: Severity;
  tooltip: string;
  /** Servers in trouble (the view badge). */
  troubleCount: number;
}

/** `$(server-process) 3 MCP · 1.2 GB`, with the worst severity across servers and the helper. */
export function statusSummary(entries: ServerEntry[], status: HelperStatus, reapedOrphans: number): StatusSummary {
  if (status.kind !== 'running') {
    const severity: Severity = status.kind === 'failed' ? 'error' : status.kind === 'starting' ? 'ok' : 'warning';
    const what = status.kind === 'starting' ? 'starting…' : status.kind === 'restarting' ? 'restarting…' : status.kind === 'failed' ? 'helper failed' : 'helper stopped';
    return { text: `$(server-process) MCP ${what}`, severity, tooltip: 'message' in status ? status.message : 'MCP Warden is starting its helper', troubleCount: 0 };
  }
  let running = 0;
  let rssBytes = 0;
  let severity: Severity = reapedOrphans > 0 ? 'warning' : 'ok';
  const trouble: string[] = [];
  for (const e of entries) {
    const s = e.snapshot;
    if (s && (s.state === 'running' || s.state === 'starting')) running++;
    if (s) rssBytes += s.rssBytes;
    const sev = entrySeverity(e);
    if (sev !== 'ok') trouble.push(`${e.name}: ${e.recentCap?.message ?? s?.warnings[0]?.message ?? s?.stateReason ?? s?.state}`);
    if (sev === 'error') severity = 'error';
    else if (sev === 'warning' && severity === 'ok') severity = 'warning';
  }
  const tooltip = [
    `MCP Warden: ${running} of ${entries.length} servers running, ${formatBytes(rssBytes)} in total`,
    ...trouble,
    ...(reapedOrphans > 0 ? [`Reaped ${plural(reapedOrphans, 'orphaned process', 'orphaned processes')} left by an earlier helper`] : []),
    'Click to show the Servers view',
  ].join('\n');
  return { text: `$(server-process) ${running} MCP · ${formatBytes(rssBytes)}`, severity, tooltip, troubleCount: trouble.length };
}

const ACTION_PAST: Record<NonNullable<WardenEvent['action']>, string> = {
  restart: 'was restarted',
  kill: 'was stopped',
  warn: 'was left running (memoryAction is "warn")',
  refuse: 'was refused',
  'give-up': 'was given up on',
};

/** "`chroma` exceeded 1 GB (1.3 GB) and was restarted", or the helper's own sentence when it is not a memory cap. */
export function capMessage(e: WardenEvent): string {
  if (e.server && e.rssBytes !== undefined && e.limitBytes !== undefined && (e.code === 'CAP_MEMORY' || e.code === undefined)) {
    const what = e.action ? ` and ${ACTION_PAST[e.action]}` : '';
    return `\`${e.server}\` exceeded ${formatBytes(e.limitBytes)} (${formatBytes(e.rssBytes)})${what}`;
  }
  return e.message;
}

