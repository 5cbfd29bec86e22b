// The extension's single source of truth: the latest snapshot and config report from the helper, with per-server change events.
// vscode-free on purpose (views adapt it), so its logic is unit-tested.
import { randomUUID } from 'node:crypto';
import { coarseUptime } from './present/text';
import { BoundedMap } from '../shared/bounded';
import { Emitter, type Disposable } from '../shared/disposable';
import type { SpecOrigin } from '../shared/config';
import type { VsCodeServer } from './adopt/vscodeServers';
import type { ConfigReport, HelperInfo, ServerSnapshot, WardenEvent, WardenSnapshot } from '../shared/protocol';

/** How long a fired cap keeps a server "in trouble" after the restart that followed it. */
export const RECENT_CAP_MS = 5 * 60_000;

export type HelperStatus =
  | { kind: 'starting' }
  | { kind: 'running' }
  | { kind: 'restarting'; message: string }
  | { kind: 'stopped'; message: string }
  | { kind: 'failed'; message: string };

/** One configured or running server as the views see it. */
export interface ServerEntry {
  name: string;
  /** Null while the helper has not sampled it (e.g. it is only listed in a config report). */
  snapshot: ServerSnapshot | null;
  source: string | null;
  /** What kind of config source it is (workspace file, user file, settings), when known. */
  origin: SpecOrigin | null;
  /** Why the helper will not start it (untrusted workspace), or null. */
  blocked: string | null;
  /** This window's own configuration lists it (the engine's snapshot also shows other windows' and clients' servers). */
  configured: boolean;
  /** The last cap that fired for it within RECENT_CAP_MS, if any. */
  recentCap: WardenEvent | null;
  /** The user acknowledged its current trouble (failed, capped, a recent cap): the status bar stops counting it. */
  acknowledged: boolean;
}

/** What an acknowledgement is of: a new failure (another state, reason or cap) needs a new one. */
function troubleKey(snapshot: ServerSnapshot | null, recentCap: WardenEvent | null): string {
  return JSON.stringify([snapshot?.state ?? null, snapshot?.stateReason ?? null, recentCap?.seq ?? null]);
}

export interface ModelChange {
  /** Servers whose entry changed. */
  names: string[];
  /** True when servers were added or removed (the list itself changed). */
  structural: boolean;
}

export class WardenModel implements Disposable {
  private snapshot: WardenSnapshot | null = null;
  private report: ConfigReport | null = null;
  private vscode: VsCodeServer[] = [];
  private vscodeKey = '[]';
  private entries = new Map<string, ServerEntry>();
  private signatures = new Map<string, string>();
  // Bounded: a server renamed in a loop must not grow this.
  private readonly caps = new BoundedMap<string, WardenEvent>(256);
  /** Server name → the trouble the user acknowledged; bounded like `caps`. */
  private readonly acks = new BoundedMap<string, string>(256);
  private status: HelperStatus = { kind: 'starting' };

  private readonly changeEmitter = new Emitter<ModelChange>();
  private readonly eventEmitter = new Emitter<WardenEvent>();
  private readonly stderrEmitter = new Emitter<{ name: string; lines: string[] }>();
  private readonly statusEmitter = new Emitter<HelperStatus>();
  private readonly snapshotEmitter = new Emitter<WardenSnapshot>();
  private readonly vscodeEmitter = new Emitter<void>();

  /** Per-server changes, after every snapshot, config report or cap event. */
  readonly onDidChange = this.changeEmitter.event;
  /** Every helper event, as it arrives. */
  readonly onEvent = this.eventEmitter.event;
  readonly onStderr = this.stderrEmitter.event;
  readonly onHelperStatus = this.statusEmitter.event;
  /** Raw snapshots (the resource graph appends them to its series). */
  readonly onSnapshot = this.snapshotEmitter.event;
  /** The list of VS Code's own (mcp.json) servers changed. */
  readonly onDidChangeVsCodeServers = this.vscodeEmitter.event;

  /**
   * This window's id, sent to Warden's endpoint by the agent provider (`X-MCP-Warden-Window`), so who-calls-what tells
   * this window's agent from another window's. Made per activation; not a secret (it only labels calls).
   */
  readonly windowId: string;

  constructor(private readonly now: () => number = Date.now, windowId: string = randomUUID()) {
    this.windowId = windowId;
  }

  get helper(): HelperInfo | null {
    return this.snapshot?.helper ?? null;
  }

  get helperStatus(): HelperStatus {
    return this.status;
  }

  get configReport(): ConfigReport | null {
    return this.report;
  }

  get lastSnapshot(): WardenSnapshot | null {
    return this.snapshot;
  }

  servers(): ServerEntry[] {
    return [...this.entries.values()];
  }

  get(name: string): ServerEntry | undefined {
    return this.entries.get(name);
  }

  setSnapshot(snapshot: WardenSnapshot): void {
    this.snapshot = snapshot;
    this.rebuild();
    this.snapshotEmitter.fire(snapshot);
  }

  setConfigReport(report: ConfigReport): void {
    this.report = report;
    this.rebuild();
  }

  /** The servers of the workspace's `.vscode/mcp.json`: VS Code's own, listed (with Adopt) but never run by Warden. */
  vscodeServers(): readonly VsCodeServer[] {
    return this.vscode;
  }

  setVsCodeServers(servers: readonly VsCodeServer[]): void {
    const key = JSON.stringify(servers);
    if (key === this.vscodeKey) return;
    this.vscode = [...servers];
    this.vscodeKey = key;
    this.vscodeEmitter.fire();
  }

  addEvent(event: WardenEvent): void {
    if (event.kind === 'cap' && event.server) {
      this.caps.set(event.server, event);
      this.rebuild();
    } else if (event.kind === 'state' && event.state === 'running' && event.server) {
      // A cap that ended the server (kill, give-up) is over once someone started it again; one that restarted it by
      // itself stays "recent" (a leak that keeps coming back is still news).
      const cap = this.caps.get(event.server);
      if (cap && cap.action !== 'restart' && cap.action !== 'warn' && cap.time <= event.time) {
        this.caps.delete(event.server);
        this.rebuild();
      }
    }
    this.eventEmitter.fire(event);
  }

  addStderr(name: string, lines: string[]): void {
    this.stderrEmitter.fire({ name, lines });
  }

  /** Acknowledges the current trouble of these servers (all when omitted); it clears once they run again or go away. */
  acknowledge(names?: readonly string[]): void {
    for (const e of this.entries.values()) {
      if (names && !names.includes(e.name)) continue;
      this.acks.set(e.name, troubleKey(e.snapshot, e.recentCap));
    }
    this.rebuild();
  }

  setHelperStatus(status: HelperStatus): void {
    this.status = status;
    if (status.kind !== 'running') {
      // What a dead helper last said is no longer true: show nothing rather than stale numbers.
      this.snapshot = null;
      this.rebuild();
    }
    this.statusEmitter.fire(status);
  }

  private recentCapFor(name: string): WardenEvent | null {
    const cap = this.caps.get(name);
    if (!cap) return null;
    if (this.now() - cap.time > RECENT_CAP_MS) {
      this.caps.delete(name);
      return null;
    }
    return cap;
  }

  /** Recomputes entries and fires one event naming only the servers that changed. */
  private rebuild(): void {
    const next = new Map<string, ServerEntry>();
    const configured = new Map((this.report?.servers ?? []).map((s) => [s.name, s]));
    const sampled = new Map((this.snapshot?.servers ?? []).map((s) => [s.name, s]));
    const names = [...new Set([...configured.keys(), ...sampled.keys()])].sort((a, b) => a.localeCompare(b));
    for (const name of names) {
      const cfg = configured.get(name);
      const snap = sampled.get(name) ?? null;
      const recentCap = this.recentCapFor(name);
      const ack = this.acks.get(name);
      // Running (or starting) again, or a different trouble: the acknowledgement is spent.
      if (ack !== undefined && (snap?.state === 'running' || snap?.state === 'starting' || ack !== troubleKey(snap, recentCap))) {
        if (snap?.state === 'running' || snap?.state === 'starting') this.caps.delete(name);
        this.acks.delete(name);
      }
      next.set(name, {
        name,
        snapshot: snap,
        source: cfg?.source ?? snap?.source ?? null,
        origin: cfg?.origin ?? snap?.origin ?? null,
        blocked: cfg?.blocked ?? null,
        configured: cfg !== undefined,
        recentCap,
        acknowledged: this.acks.has(name),
      });
    }
    for (const name of [...this.acks.keys()]) if (!next.has(name)) this.acks.delete(name);
    const changed: string[] = [];
    const nextSignatures = new Map<string, string>();
    for (const [name, entry] of next) {
      const sig = signature(entry);
      nextSignatures.set(name, sig);
      if (this.signatures.get(name) !== sig) changed.push(name);
    }
    const previousNames = [...this.entries.keys()];
    const structural = next.size !== this.entries.size || [...next.keys()].some((n, i) => previousNames[i] !== n);
    const removed = previousNames.filter((n) => !next.has(n));
    this.entries = next;
    this.signatures = nextSignatures;
    if (structural || changed.length) this.changeEmitter.fire({ names: [...changed, ...removed], structural });
  }

  dispose(): void {
    this.changeEmitter.dispose();
    this.eventEmitter.dispose();
    this.stderrEmitter.dispose();
    this.statusEmitter.dispose();
    this.snapshotEmitter.dispose();
    this.vscodeEmitter.dispose();
    this.entries.clear();
    this.caps.clear();
    this.acks.clear();
  }
}

function signature(e: ServerEntry): string {
  const s = e.snapshot;
  return JSON.stringify([
    e.blocked,
    e.configured,
    e.recentCap?.seq ?? null,
    e.acknowledged,
    e.source,
    // The shown uptime is part of the row at a coarse grain ("up 5m"), so it changes once a minute, not every sample.
    s && s.startedAt !== null ? coarseUptime(Date.now() - s.startedAt) : null,
    s && [s.state, s.stateReason, s.pid, s.rssBytes, s.memoryBytes, s.children, s.restarts, s.startedAt, s.lastError, s.warnings, s.tools.map((t) => t.name), s.processes.map((p) => [p.pid, p.rssBytes]), s.caps, s.usage ? [s.usage.calls, s.usage.errors, s.usage.p50Ms, s.usage.clients.map((c) => [c.name, c.via, c.window, c.sessions, c.calls > 0])] : null],
  ]);
}
