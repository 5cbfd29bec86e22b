// How a server and the whole fleet read to a person: tree descriptions, tooltips, icons, status-bar text and severity.
// vscode-free (icons and colors are ids), so every string here is unit-tested.
import { formatBytes } from '../../shared/format';
import type { ServerState, ServerUsage } from '../../shared/protocol';
import type { HelperStatus, ServerEntry } from '../model';
import { buildProcessTree, flattenProcessTree } from '../present/processTree';
import { coarseUptime, escapeMarkdown, plainText, plural, processLabel, shortenCommand } from '../present/text';

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

export function isLiveState(state: ServerState | undefined): boolean {
  return state === 'running' || state === 'starting' || state === 'stopping';
}

/** 'running' and friends, or what keeps a server from running. */
export function entrySeverity(e: ServerEntry): Severity {
  const s = e.snapshot;
  if (e.recentCap) return 'error';
  if (s && (s.state === 'failed' || s.state === 'capped')) return 'error';
  if (s && (s.warnings.length > 0 || s.state === 'crashed')) return 'warning';
  return 'ok';
}

/** Severity as the status bar counts it: acknowledged trouble no longer counts. */
export function attentionSeverity(e: ServerEntry): Severity {
  return e.acknowledged ? 'ok' : entrySeverity(e);
}

export function serverIcon(e: ServerEntry): IconSpec {
  if (e.blocked && (!e.snapshot || e.snapshot.state === 'stopped')) return { id: 'workspace-untrusted', color: 'list.warningForeground' };
  const state = e.snapshot?.state ?? 'stopped';
  if (state === 'running' && entrySeverity(e) !== 'ok') {
    return e.recentCap ? { id: 'flame', color: 'list.errorForeground' } : { id: 'warning', color: 'list.warningForeground' };
  }
  return STATE_ICONS[state];
}

/** The state word a row and its accessible label use. */
export function stateWord(e: ServerEntry): string {
  const s = e.snapshot;
  if (!s) return e.blocked ? 'not started (untrusted)' : 'not started';
  return s.state;
}

/**
 * `412 MB · 3 children · up 2h` for a live server; otherwise its state and why. `shownRssBytes` is the memory the
 * row shows (steadied by the caller so a row is not redrawn for every kilobyte).
 */
export function serverDescription(e: ServerEntry, nowMs: number, shownRssBytes?: number, ownWindow?: string): string {
  const s = e.snapshot;
  if (s && isLiveState(s.state)) {
    const parts = [formatBytes(shownRssBytes ?? s.memoryBytes ?? s.rssBytes), plural(s.children, 'child', 'children')];
    if (s.state !== 'running') parts.unshift(s.state);
    else if (s.startedAt !== null) parts.push(`up ${coarseUptime(nowMs - s.startedAt)}`);
    const calls = callsSummary(s.usage);
    if (calls) parts.push(calls);
    const clients = clientsSummary(s.usage, ownWindow);
    if (clients) parts.push(clients);
    if (s.warnings.length) parts.push(`⚠ ${plainText(s.warnings[0]!.message)}`);
    return parts.join(' · ');
  }
  if (e.blocked) return `not started: ${plainText(e.blocked)}`;
  if (!s) return 'not started';
  const reason = plainText(s.stateReason);
  return reason ? `${s.state} · ${shortenCommand(reason, 120)}` : s.state;
}

/** `12 calls · p50 3.1 ms · 1 error` once a client (VS Code's agent, a terminal agent) has called a tool through Warden. */
export function callsSummary(u: ServerUsage | undefined): string {
  if (!u || !u.calls) return '';
  const parts = [plural(u.calls, 'call', 'calls')];
  if (u.p50Ms !== null) parts.push(`p50 ${formatMs(u.p50Ms)}`);
  if (u.errors) parts.push(plural(u.errors, 'error', 'errors'));
  return parts.join(' · ');
}

type UsageClient = ServerUsage['clients'][number];

/**
 * A client as a person knows it: `this window` / `another window` for VS Code's agent (by the window id Warden's
 * provider sends), `claude-code via connect` for a terminal agent, else the name it gave (and its way in).
 */
export function clientLabel(c: UsageClient, ownWindow?: string): string {
  if (c.window) return ownWindow && c.window === ownWindow ? 'this window' : 'another window';
  return c.via ? `${c.name} via ${c.via}` : c.name;
}

/** The clients on a server's row: those connected now (or that called it), busiest first, at most three named. */
export function clientsSummary(u: ServerUsage | undefined, ownWindow?: string): string {
  if (!u) return '';
  const labels = [...new Set(u.clients.filter((c) => c.sessions > 0 || c.calls > 0).map((c) => clientLabel(c, ownWindow)))];
  if (!labels.length) return '';
  return labels.length > 3 ? `${labels.slice(0, 3).join(', ')} +${labels.length - 3}` : labels.join(', ');
}

function formatMs(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

/** Who calls a server and how it goes, for its tooltip. */
function usageLines(u: ServerUsage, nowMs: number, ownWindow?: string): string[] {
  const lines: string[] = [];
  if (u.clients.length) {
    const clients = u.clients.slice(0, 8).map((c) => {
      const label = clientLabel(c, ownWindow);
      // A window is named by its place; the product name (code-server, Visual Studio Code) follows.
      const who = c.window ? `${label} — ${c.name}` : label;
      return `${escapeMarkdown(who)} (${c.sessions ? plural(c.sessions, 'session', 'sessions') : 'gone'}, ${plural(c.calls, 'call', 'calls')})`;
    });
    lines.push(`Clients: ${clients.join(' · ')}${u.clients.length > 8 ? ` · ${u.clients.length - 8} more` : ''}`, '');
  }
  if (u.calls) {
    lines.push(
      `Calls: ${u.calls} · errors ${u.errors}` + (u.p50Ms !== null ? ` · p50 ${formatMs(u.p50Ms)} · p95 ${formatMs(u.p95Ms ?? u.p50Ms)}` : '') +
        (u.lastCallAt !== null ? ` · last ${coarseUptime(Math.max(0, nowMs - u.lastCallAt))} ago` : ''),
      '',
    );
    if (u.lastError) lines.push(`Last call error: ${escapeMarkdown(u.lastError)}`, '');
  }
  return lines;
}

/** Steadies a row's memory figure: it moves when the real value differs by more than 3 % (or 1 MB), not for every page. */
export function steadyBytes(shown: number | undefined, actual: number): number {
  if (shown === undefined || shown === 0 || actual === 0) return actual;
  const delta = Math.abs(actual - shown);
  return delta > Math.max(1024 * 1024, shown * 0.03) ? actual : shown;
}

function configLabel(source: string): string {
  return source === 'settings' ? 'User settings (mcpWarden.servers)' : source;
}

/** The Markdown tooltip: state and why, command, pid and memory per process (as a tree), restarts, last error, caps in force. */
export function serverTooltip(e: ServerEntry, nowMs: number, ownWindow?: string): string {
  const s = e.snapshot;
  const lines: string[] = [`**${escapeMarkdown(e.name)}** — ${escapeMarkdown(stateWord(e))}`, ''];
  if (e.blocked) lines.push(`Not started: ${escapeMarkdown(e.blocked)}`, '');
  if (e.recentCap) lines.push(`**Cap fired:** ${escapeMarkdown(e.recentCap.message)}${e.acknowledged ? ' (acknowledged)' : ''}`, '');
  if (s) {
    if (s.stateReason) lines.push(`Reason: ${escapeMarkdown(s.stateReason)}`, '');
    lines.push(`Command: ${escapeMarkdown(shortenCommand([s.command, ...s.args].join(' ')))}`, '');
    const live = isLiveState(s.state);
    if (live) {
      lines.push(
        `PID ${s.pid ?? '—'} · ${formatBytes(s.memoryBytes ?? s.rssBytes)} · ${plural(s.children, 'child', 'children')}` +
          (s.startedAt !== null ? ` · up ${coarseUptime(nowMs - s.startedAt)}` : ''),
        '',
      );
    }
    lines.push(`Restarts: ${s.restarts} · requests in flight: ${s.inFlightRequests}`, '');
    if (s.usage) lines.push(...usageLines(s.usage, nowMs, ownWindow));
    if (live && s.containment) lines.push(`Memory ${formatBytes(s.memoryBytes)} (${s.memorySource}) · RSS ${formatBytes(s.rssBytes)} · contained by ${escapeMarkdown(s.containment.backend)}: ${escapeMarkdown(s.containment.detail)}`, '');
    if (live && s.processes.length) {
      lines.push('| PID | Memory | Command |', '|---:|---:|:---|');
      const ordered = flattenProcessTree(buildProcessTree(s.processes));
      for (const n of ordered.slice(0, 20)) {
        const indent = n.depth ? `${'&nbsp;&nbsp;'.repeat(n.depth - 1)}↳ ` : '';
        lines.push(`| ${indent}${n.process.pid} | ${formatBytes(n.process.rssBytes)} | ${escapeMarkdown(processLabel(n.process.command))} |`);
      }
      if (ordered.length > 20) lines.push(`| … | | ${ordered.length - 20} more |`);
      lines.push('');
    }
    for (const w of s.warnings) lines.push(`⚠ ${escapeMarkdown(w.message)}`, '');
    if (s.lastError) lines.push(`Last error: ${escapeMarkdown(s.lastError)}`, '');
    const c = s.caps;
    lines.push(
      `Limits: memory ${c.memoryLimitMB} MB (warn at ${c.warnAtPercent} %, then ${c.memoryAction}) · growth ${c.memoryGrowthMBPerMin} MB/min · ` +
        `${c.maxChildren} children · ${c.maxRestarts} restarts in ${c.restartWindowSec} s · ${c.maxInFlightRequests} requests in flight`,
    );
  }
  if (e.source) lines.push('', `Config: ${escapeMarkdown(configLabel(e.source))}`);
  return lines.join('\n');
}

export interface StatusSummary {
  text: string;
  severity: Severity;
  /** Markdown, with command links (see `commands`). */
  tooltip: string;
  /** The commands the tooltip links to (a MarkdownString must trust exactly these). */
  commands: string[];
  /** Servers that need attention (the view badge). */
  troubleCount: number;
}

function commandLink(title: string, command: string, args: unknown[]): string {
  return `[${title}](command:${command}?${encodeURIComponent(JSON.stringify(args))})`;
}

export const STATUS_COMMANDS = ['mcpWarden.showLogs', 'mcpWarden.restartServer', 'mcpWarden.acknowledgeProblems', 'mcpWarden.servers.focus', 'mcpWarden.startServer'];

/** `$(server-process) 2/3 running · 426 MB`, with the worst severity across servers (acknowledged trouble aside) and the helper. */
export function statusSummary(entries: ServerEntry[], status: HelperStatus, reapedOrphans: number, ownWindow?: string): StatusSummary {
  if (status.kind !== 'running') {
    const severity: Severity = status.kind === 'failed' ? 'error' : status.kind === 'starting' ? 'ok' : 'warning';
    const what = status.kind === 'starting' ? 'starting…' : status.kind === 'restarting' ? 'restarting…' : status.kind === 'failed' ? 'helper failed' : 'helper stopped';
    return {
      text: `$(server-process) MCP ${what}`,
      severity,
      tooltip: 'message' in status ? escapeMarkdown(status.message) : 'MCP Warden is starting its helper',
      commands: [],
      troubleCount: 0,
    };
  }
  let running = 0;
  let rssBytes = 0;
  let calls = 0;
  let callErrors = 0;
  const clients = new Set<string>();
  let severity: Severity = reapedOrphans > 0 ? 'warning' : 'ok';
  const trouble: string[] = [];
  for (const e of entries) {
    const s = e.snapshot;
    if (s && (s.state === 'running' || s.state === 'starting')) running++;
    if (s) rssBytes += s.memoryBytes ?? s.rssBytes;
    if (s?.usage) {
      calls += s.usage.calls;
      callErrors += s.usage.errors;
      for (const c of s.usage.clients) if (c.sessions) clients.add(clientLabel(c, ownWindow));
    }
    const sev = attentionSeverity(e);
    if (sev === 'ok') continue;
    const why = plainText(e.recentCap?.message ?? s?.warnings[0]?.message ?? s?.stateReason ?? s?.state ?? '');
    const failedNow = s?.state === 'failed' || s?.state === 'capped' || s?.state === 'crashed';
    const actions = [
      commandLink('Show Logs', 'mcpWarden.showLogs', [e.name]),
      failedNow ? commandLink('Restart', 'mcpWarden.startServer', [e.name]) : null,
      commandLink('Acknowledge', 'mcpWarden.acknowledgeProblems', [e.name]),
    ].filter(Boolean);
    trouble.push(`- $(${sev === 'error' ? 'error' : 'warning'}) **${escapeMarkdown(e.name)}** — ${escapeMarkdown(shortenCommand(why, 140))}  \n  ${actions.join(' · ')}`);
    if (sev === 'error') severity = 'error';
    else if (sev === 'warning' && severity === 'ok') severity = 'warning';
  }
  const configured = entries.length;
  const text = configured ? `$(server-process) ${running}/${configured} running · ${formatBytes(rssBytes)}` : '$(server-process) no MCP servers';
  const head = configured
    ? `**MCP Warden** — ${running} of ${plural(configured, 'server', 'servers')} running, ${formatBytes(rssBytes)} in total`
    : '**MCP Warden** — no MCP servers are configured';
  const parts = [head, ''];
  // Who calls what, summed: every tool call Warden relayed for its clients (VS Code's agent, terminal agents).
  if (calls || clients.size) {
    const who = clients.size ? ` · clients now: ${[...clients].slice(0, 5).map(escapeMarkdown).join(', ')}${clients.size > 5 ? ', …' : ''}` : '';
    parts.push(`${plural(calls, 'tool call', 'tool calls')} through Warden${callErrors ? ` (${plural(callErrors, 'error', 'errors')})` : ''}${who}`, '');
  }
  if (trouble.length) parts.push('Needs attention:', '', ...trouble, '');
  if (reapedOrphans > 0) parts.push(`Reaped ${plural(reapedOrphans, 'orphaned process', 'orphaned processes')} left by an earlier helper.`, '');
  const footer = [commandLink('Show Servers', 'mcpWarden.servers.focus', [])];
  if (trouble.length > 1) footer.push(commandLink('Acknowledge All', 'mcpWarden.acknowledgeProblems', []));
  parts.push(footer.join(' · '));
  return { text, severity, tooltip: parts.join('\n'), commands: STATUS_COMMANDS, troubleCount: trouble.length };
}
