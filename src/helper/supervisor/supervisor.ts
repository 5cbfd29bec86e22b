// The supervisor: a small state machine over validated server specs. It samples every server's process tree
// in one pass, applies the cap policies (caps.ts), restarts within the restart intensity, and reports
// everything as snapshots and events. Implements SupervisorApi for the helper's connections and the CLI.
import type { WardenSettings } from '../../shared/config';
import { DEFAULT_SETTINGS } from '../../shared/config';
import { Emitter, type Disposable } from '../../shared/disposable';
import { WardenError } from '../../shared/errors';
import { formatBytes } from '../../shared/format';
import type {
  CallToolParams,
  CallToolResultJson,
  ConfigReport,
  ConfigureParams,
  HelperEndpoints,
  ServerUsage,
  HistoryPoint,
  MemorySource,
  ProcessInfo,
  ReapResult,
  ServerSnapshot,
  StopResult,
  WardenEvent,
  WardenSnapshot,
  WindowInfo,
} from '../../shared/protocol';
import { loadConfig, type LoadedServer } from '../config/loadConfig';
import type { PidRegistry } from '../registry/pidRegistry';
import { ProcessGroupBackend } from '../containment/processGroup';
import type { ContainmentBackend } from '../containment/types';
import { canExecInPlace } from '../containment/launcher';
import { SpareLaunchers } from '../containment/spareLaunchers';
import { PssMeter } from '../sampling/pss';
import { collectDescendants, indexChildren } from '../sampling/processTree';
import type { ProcessEntry, ProcessTable } from '../sampling/types';
import type { Listener, SupervisorApi } from './api';
import { evaluateCaps, restartDecision } from './caps';
import { HANDSHAKE_TIMEOUT_MS, ManagedServer, type ManagedServerHost } from './managedServer';

/** Configured (not running) servers are bounded too: a config listing thousands is cut here and reported. */
export const MAX_CONFIGURED_SERVERS = 500;
const STDERR_BATCH_MS = 200;
export const GROWTH_WARMUP_MS = 10_000;
const STDERR_BATCH_MAX_LINES = 200;
/**
 * Handshakes this close together share one sample: twenty servers starting at once cost a read of the process table
 * or two, not twenty (a burst of twenty grew the helper's heap, and its RSS by ~12 MB).
 */
const HANDSHAKE_SAMPLE_COALESCE_MS = 500;

export interface SupervisorOptions {
  table: ProcessTable;
  registry: PidRegistry;
  /** Where each server's tree is contained (select.ts picks it at start); process groups when not given. */
  containment?: ContainmentBackend;
  settings?: Partial<WardenSettings>;
  handshakeTimeoutMs?: number;
  /** For HelperInfo. */
  stateDir?: string;
  controlSocket?: string | null;
  /** What Warden's client declares to servers; the session layer relays these requests to its clients. */
  clientCapabilities?: Record<string, unknown>;
}

/** Instances the session layer may add beside the configured servers (other roots, one per client). */
export const MAX_INSTANCES = 200;

export class Supervisor implements SupervisorApi, ManagedServerHost {
  readonly table: ProcessTable;
  readonly registry: PidRegistry;
  readonly handshakeTimeoutMs: number;
  readonly clientCapabilities: Record<string, unknown> | undefined;
  readonly containment: ContainmentBackend;
  /** A launcher started ahead of a lazy server's first call (only where servers start through the launcher). */
  readonly spares: SpareLaunchers | undefined;
  private readonly pss = new PssMeter();
  private settings: WardenSettings;
  private readonly servers = new Map<string, ManagedServer>();
  private readonly blocked = new Map<string, string>();
  private readonly snapshotEmitter = new Emitter<WardenSnapshot>();
  private readonly eventEmitter = new Emitter<WardenEvent>();
  private readonly stderrEmitter = new Emitter<{ name: string; lines: string[] }>();
  private readonly pendingStderr = new Map<string, string[]>();
  private stderrTimer: NodeJS.Timeout | undefined;
  private sampleTimer: NodeJS.Timeout | undefined;
  private handshakeSampleTimer: NodeJS.Timeout | undefined;
  private sampling = false;
  /** A sample was asked for while one ran: take another when it ends (the running one may predate the request). */
  private sampleRequested = false;
  private seq = 0;
  private sampledAt = 0;
  private disposed = false;
  /** Whether configure() has run once: later runs are reloads, and report what changed. */
  private configured = false;
  private shuttingDown = false;
  private readonly startedAt = Date.now();
  reapedOrphans = 0;
  stateDir = '';
  controlSocket: string | null = null;
  /** Where clients reach this engine (set by the engine when it serves them). */
  endpoints: HelperEndpoints | null = null;
  /** Clients and call statistics of a server from the session layer (set by the engine that serves clients). */
  usage: ((name: string) => ServerUsage | undefined) | null = null;
  /** The editor windows attached to the engine (set by the per-user engine). */
  windows: (() => WindowInfo[]) | null = null;

  constructor(options: SupervisorOptions) {
    this.table = options.table;
    this.registry = options.registry;
    this.containment = options.containment ?? new ProcessGroupBackend('no containment backend was configured');
    this.settings = { ...DEFAULT_SETTINGS, ...options.settings };
    this.handshakeTimeoutMs = options.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS;
    this.stateDir = options.stateDir ?? '';
    this.controlSocket = options.controlSocket ?? null;
    this.clientCapabilities = options.clientCapabilities;
    const launcher = this.containment.launcher;
    this.spares = launcher && canExecInPlace ? new SpareLaunchers(launcher, this.registry, this.table) : undefined;
    this.scheduleSampling();
  }

  /** A server may be started soon (a client was answered from the lazy cache): have a spare launcher ready. */
  prewarmLauncher(): void {
    if (!this.shuttingDown && !this.disposed) this.spares?.prewarm();
  }

  // --- events ---------------------------------------------------------------------------------

  onSnapshot(listener: Listener<WardenSnapshot>): Disposable {
    return this.snapshotEmitter.event(listener);
  }
  onEvent(listener: Listener<WardenEvent>): Disposable {
    return this.eventEmitter.event(listener);
  }
  onStderr(listener: Listener<{ name: string; lines: string[] }>): Disposable {
    return this.stderrEmitter.event(listener);
  }

  emit(event: Omit<WardenEvent, 'seq' | 'time'>): void {
    this.eventEmitter.fire({ seq: ++this.seq, time: Date.now(), ...event });
  }

  private fireSnapshot(): void {
    if (this.snapshotEmitter.listenerCount) this.snapshotEmitter.fire(this.snapshot());
  }

  // --- ManagedServerHost ------------------------------------------------------------------------

  onStateChange(server: ManagedServer, reason: string): void {
    // Figures a log line or a notification needs, so the extension never has to work them out from snapshots.
    const extra: Partial<WardenEvent> =
      server.state === 'running'
        ? { pid: server.pid ?? undefined, toolCount: server.tools.length, handshakeMs: server.startedAt !== null ? Date.now() - server.startedAt : undefined }
        : (server.lastStop ?? {});
    this.emit({ kind: 'state', server: server.name, state: server.state, message: `\`${server.name}\` is ${server.state}: ${reason}`, ...extra });
    this.fireSnapshot();
    // Children a server starts while starting up are known only from a sample. Taking one at the handshake, not up to
    // an interval later, narrows the window in which a setsid child's own children can be orphaned unseen (and so
    // outlive the server, out of its process group and its tree).
    if (server.state === 'running') this.requestSample();
  }

  private requestSample(): void {
    if (this.disposed || this.handshakeSampleTimer) return;
    this.handshakeSampleTimer = setTimeout(() => {
      this.handshakeSampleTimer = undefined;
      if (this.sampling) this.sampleRequested = true;
      else void this.sampleOnce();
    }, HANDSHAKE_SAMPLE_COALESCE_MS);
    this.handshakeSampleTimer.unref?.();
  }

  serverStderr(a: ManagedServer, line: string): void {
    if (!this.stderrEmitter.listenerCount) return;
    let batch = this.pendingStderr.get(a.name);
    if (!batch) this.pendingStderr.set(a.name, (batch = []));
    // The batch is bounded: when a server floods stderr, listeners get the newest lines (the ring keeps them all).
    if (batch.length >= STDERR_BATCH_MAX_LINES) batch.shift();
    batch.push(line);
    this.stderrTimer ??= setTimeout(() => this.flushStderr(), STDERR_BATCH_MS);
  }

  private flushStderr(): void {
    this.stderrTimer = undefined;
    for (const [name, lines] of this.pendingStderr) this.stderrEmitter.fire({ name, lines });
    this.pendingStderr.clear();
  }

  onUnexpectedExit(server: ManagedServer, reason: string): void {
    void this.handleCrash(server, reason);
  }

  onKernelLimit(server: ManagedServer, limit: 'memory' | 'pids', reason: string): void {
    void (limit === 'memory' ? this.handleKernelMemoryKill(server, reason) : this.handleKernelPidsLimit(server, reason));
  }

  /** A fork bomb the kernel held at pids.max: the children cap, decided as the sampler would have. */
  private async handleKernelPidsLimit(server: ManagedServer, reason: string): Promise<void> {
    const message = `\`${server.name}\` tried to start more processes than its limit allows (maxChildren ${server.spec.caps.maxChildren}) and ${reason}; its whole process tree was killed.`;
    server.lastError = message;
    this.emit({ kind: 'cap', server: server.name, code: 'CAP_CHILDREN', action: 'kill', message });
    await server.stop(`child-process cap (kernel): ${reason}`, 'capped');
  }

  /** The kernel's backstop fired between samples: the same cap, the same action, as if the policy had seen it. */
  private async handleKernelMemoryKill(server: ManagedServer, reason: string): Promise<void> {
    const caps = server.spec.caps;
    const limitBytes = caps.memoryLimitMB * 1024 * 1024;
    const verb = caps.memoryAction === 'restart' ? 'was restarted' : 'was stopped';
    const message = `\`${server.name}\` outran the sampler past its ${formatBytes(limitBytes)} limit and was ${reason}; it ${verb}.`;
    server.lastError = message;
    this.emit({ kind: 'cap', server: server.name, code: 'CAP_MEMORY', action: caps.memoryAction === 'restart' ? 'restart' : 'kill', message, rssBytes: server.memoryBytes, limitBytes });
    await server.stop(`memory cap (kernel): ${reason}`, 'capped');
    if (caps.memoryAction === 'restart') this.scheduleRestart(server, 'exceeded its memory limit');
  }

  private async handleCrash(server: ManagedServer, reason: string): Promise<void> {
    // Reap what the crashed process left behind before deciding anything else.
    await server.stop(reason, 'crashed');
    server.lastError = server.lastError ?? reason;
    this.emit({ kind: 'error', server: server.name, code: 'SPAWN_FAILED', message: `\`${server.name}\` ${reason}.` });
    this.scheduleRestart(server, `crashed (${reason})`);
  }

  /** Restart within the intensity limits, with backoff; otherwise give up: state failed, no loop. */
  private scheduleRestart(server: ManagedServer, why: string): boolean {
    if (this.shuttingDown || this.disposed) return false;
    const now = Date.now();
    const decision = restartDecision(server.spec.caps, server.restartTimes.toArray(), now);
    if (!decision.allowed) {
      const message = `\`${server.name}\` ${why} and was restarted ${decision.inWindow} times within ${server.spec.caps.restartWindowSec} s (maxRestarts ${server.spec.caps.maxRestarts}); MCP Warden gave up. Fix it, then start it again.`;
      server.lastError = message;
      server.setState('failed', message);
      this.emit({ kind: 'cap', server: server.name, code: 'CAP_RESTART_INTENSITY', action: 'give-up', message, attempt: decision.inWindow, maxAttempts: server.spec.caps.maxRestarts });
      return false;
    }
    this.emit({
      kind: 'restart',
      server: server.name,
      attempt: decision.inWindow + 1,
      maxAttempts: server.spec.caps.maxRestarts,
      backoffMs: decision.delayMs,
      message: `\`${server.name}\` ${why}; restart ${decision.inWindow + 1}/${server.spec.caps.maxRestarts} in ${decision.delayMs} ms.`,
    });
    server.restartTimes.push(now);
    server.clearRestartTimer();
    server.restartTimer = setTimeout(() => {
      server.restartTimer = undefined;
      if (this.shuttingDown || this.disposed || !this.servers.has(server.name) || server.isLive) return;
      server.restarts++;
      server.start().catch((err: unknown) => this.emit({ kind: 'error', server: server.name, code: WardenError.from(err).code, message: WardenError.from(err).message }));
    }, decision.delayMs);
    server.restartTimer.unref?.();
    return true;
  }

  // --- configuration ----------------------------------------------------------------------------

  /** `startOnly`: with autoStart, start only these (the per-user engine: the servers some window holds). */
  async configure(params: ConfigureParams, startOnly?: ReadonlySet<string>): Promise<ConfigReport> {
    const loaded = loadConfig(params, this.settings);
    const previousInterval = this.settings.sampleIntervalMs;
    this.settings = loaded.settings;
    if (this.settings.sampleIntervalMs !== previousInterval) this.scheduleSampling();
    for (const p of loaded.problems) this.emit({ kind: 'config-problem', server: p.server, code: 'CONFIG_INVALID', message: p.message });

    const wanted = new Map<string, LoadedServer>();
    for (const s of loaded.servers.slice(0, MAX_CONFIGURED_SERVERS)) wanted.set(s.spec.name, s);
    if (loaded.servers.length > MAX_CONFIGURED_SERVERS) {
      // One line for all of them, not one per ignored server.
      const first = loaded.servers[MAX_CONFIGURED_SERVERS]!.spec;
      const message = `${loaded.servers.length} servers are configured, more than ${MAX_CONFIGURED_SERVERS}; the ${loaded.servers.length - MAX_CONFIGURED_SERVERS} from "${first.name}" (${first.source}) on are ignored.`;
      loaded.problems.push({ source: first.source, server: null, message });
      this.emit({ kind: 'config-problem', server: null, code: 'CONFIG_INVALID', message });
    }
    const reload = this.configured;
    this.configured = true;
    const change = (server: string, kind: 'added' | 'removed' | 'changed', detail: string) => {
      if (reload) this.emit({ kind: 'config-change', server, change: kind, message: `\`${server}\` ${kind} in the configuration${detail}` });
    };
    // Removed servers are stopped and forgotten, with the instances the session layer made of them.
    for (const [name, server] of this.servers) {
      if (!wanted.has(server.instanceOf ?? name)) {
        const wasLive = server.isLive;
        await server.stop('removed from the configuration');
        this.servers.delete(name);
        if (!server.instanceOf) change(name, 'removed', wasLive ? '; stopped' : '');
      }
    }
    this.blocked.clear();
    for (const [name, entry] of wanted) {
      if (entry.blocked) this.blocked.set(name, entry.blocked);
      const existing = this.servers.get(name);
      if (!existing) {
        this.servers.set(name, new ManagedServer(entry.spec, this, this.settings.historySize));
        change(name, 'added', '');
        continue;
      }
      const changed = JSON.stringify(existing.spec) !== JSON.stringify(entry.spec);
      if (!changed) continue;
      const wasLive = existing.isLive;
      const launchChanged = JSON.stringify([existing.spec.command, existing.spec.args, existing.spec.env, existing.spec.cwd]) !==
        JSON.stringify([entry.spec.command, entry.spec.args, entry.spec.env, entry.spec.cwd]);
      change(name, 'changed', wasLive ? (launchChanged ? '; restarting it' : '; new caps apply without a restart') : '');
      if (wasLive && (launchChanged || entry.blocked)) await existing.stop('its configuration changed');
      existing.spec = entry.spec; // new caps apply from the next sample
      if (wasLive && launchChanged && !entry.blocked) await this.startOne(existing).catch(() => undefined);
      for (const inst of this.servers.values()) {
        if (inst.instanceOf !== name) continue;
        // An instance's clients start it again on their next request, with the new launch.
        if (inst.isLive && (launchChanged || entry.blocked)) await inst.stop('its configuration changed');
        inst.spec = { ...entry.spec, name: inst.name };
      }
    }
    if (params.autoStart) {
      const refused: string[] = [];
      for (const server of this.servers.values()) {
        if (server.instanceOf || server.isLive || this.blocked.has(server.name) || server.state === 'failed' || server.state === 'capped') continue;
        if (startOnly && !startOnly.has(server.name)) continue;
        try {
          await this.startOne(server);
        } catch (err) {
          const e = WardenError.from(err);
          if (e.code === 'CAP_MAX_SERVERS') refused.push(server.name);
          else this.emit({ kind: 'error', server: server.name, code: e.code, message: e.message });
        }
      }
      if (refused.length) {
        // One event (one notification, one log line) for every server over the cap, not one per server.
        const names = refused.slice(0, 10).map((n) => `\`${n}\``).join(', ') + (refused.length > 10 ? ` and ${refused.length - 10} more` : '');
        const message = refused.length === 1
          ? `Not starting ${names}: ${this.settings.maxServers} servers are already running (cap maxServers = ${this.settings.maxServers}). Stop one or raise the cap.`
          : `Not starting ${refused.length} servers (${names}): ${this.settings.maxServers} are already running (cap maxServers = ${this.settings.maxServers}). Stop some or raise the cap.`;
        this.emit({ kind: 'cap', server: refused.length === 1 ? refused[0]! : null, code: 'CAP_MAX_SERVERS', action: 'refuse', message });
      }
    }
    this.fireSnapshot();
    return {
      servers: [...wanted.values()].map((s) => ({ name: s.spec.name, source: s.spec.source, origin: s.spec.origin, blocked: s.blocked })),
      problems: loaded.problems,
    };
  }

  // --- lifecycle requests -------------------------------------------------------------------------

  private get(name: string): ManagedServer {
    const server = this.servers.get(name);
    if (!server) {
      const known = [...this.servers.keys()].slice(0, 20).join(', ');
      throw new WardenError('UNKNOWN_SERVER', `No server named "${name}" is configured${known ? ` (configured: ${known})` : ''}.`, name);
    }
    return server;
  }

  private liveCount(): number {
    let n = 0;
    for (const s of this.servers.values()) if (s.isLive) n++;
    return n;
  }

  private async startOne(server: ManagedServer): Promise<void> {
    if (this.shuttingDown) throw new WardenError('HELPER_UNAVAILABLE', 'MCP Warden is shutting down; not starting servers.', server.name);
    const blocked = this.blocked.get(server.instanceOf ?? server.name);
    if (blocked) throw new WardenError('SERVER_BLOCKED', blocked, server.name);
    if (server.isLive) return;
    if (this.liveCount() >= this.settings.maxServers) {
      const message = `Not starting \`${server.name}\`: ${this.settings.maxServers} servers are already running (cap maxServers = ${this.settings.maxServers}). Stop one or raise the cap.`;
      throw new WardenError('CAP_MAX_SERVERS', message, server.name);
    }
    server.restartTimes.clear();
    await server.start();
  }

  async start(name: string): Promise<ServerSnapshot> {
    const server = this.get(name);
    try {
      await this.startOne(server);
    } catch (err) {
      const e = WardenError.from(err);
      if (e.code === 'CAP_MAX_SERVERS') this.emit({ kind: 'cap', server: name, code: e.code, action: 'refuse', message: e.message });
      throw e;
    }
    return this.serverSnapshot(server);
  }

  async stop(name: string): Promise<StopResult> {
    const server = this.get(name);
    const survivors = await server.stop('stopped on request');
    return this.stopResult([name], survivors.map(toInfo));
  }

  async restart(name: string): Promise<ServerSnapshot> {
    const server = this.get(name);
    await server.stop('restarting on request');
    server.restarts++;
    await this.startOne(server);
    return this.serverSnapshot(server);
  }

  async startAll(): Promise<ServerSnapshot[]> {
    const errors: string[] = [];
    for (const server of this.servers.values()) {
      if (server.instanceOf || server.isLive || this.blocked.has(server.name)) continue;
      try {
        await this.startOne(server);
      } catch (err) {
        errors.push(WardenError.from(err).message);
      }
    }
    for (const m of errors) this.emit({ kind: 'error', server: null, code: 'SPAWN_FAILED', message: m });
    return [...this.servers.values()].map((s) => this.serverSnapshot(s));
  }

  async stopAll(reason = 'stopped on request'): Promise<StopResult> {
    const live = [...this.servers.values()].filter((s) => s.isLive || s.restartTimer || s.root);
    for (const s of live) s.clearRestartTimer();
    const results = await Promise.all(live.map(async (s) => ({ name: s.name, survivors: await s.stop(reason) })));
    return this.stopResult(results.map((r) => r.name), results.flatMap((r) => r.survivors.map(toInfo)));
  }

  private stopResult(stopped: string[], survivors: ProcessInfo[]): StopResult {
    if (survivors.length) {
      this.emit({
        kind: 'error',
        server: stopped.length === 1 ? stopped[0]! : null,
        code: 'SHUTDOWN_SURVIVORS',
        message: `${survivors.length} process(es) survived SIGKILL: ${survivors.map((s) => `${s.pid} (${s.command.slice(0, 60)})`).join(', ')}`,
      });
    }
    return { stopped, survivors };
  }

  // --- instances (added by the session layer) ------------------------------------------------------

  /** The configured server `base` under another name, for clients with other roots or a perClient server. */
  addInstance(base: string, suffix: string): ManagedServer {
    const origin = this.get(base);
    if (origin.instanceOf) throw new WardenError('INTERNAL', `\`${base}\` is itself an instance.`, base);
    const name = `${base}#${suffix}`;
    const existing = this.servers.get(name);
    if (existing) return existing;
    let instances = 0;
    for (const s of this.servers.values()) if (s.instanceOf) instances++;
    if (instances >= MAX_INSTANCES) {
      throw new WardenError('CAP_MAX_SERVERS', `Not starting another instance of \`${base}\`: ${MAX_INSTANCES} instances already exist. Close some clients.`, base);
    }
    const server = new ManagedServer({ ...origin.spec, name }, this, this.settings.historySize, base);
    this.servers.set(name, server);
    this.fireSnapshot();
    return server;
  }

  /** Stops an instance the session layer added and forgets it (configured servers are left alone). */
  async removeInstance(name: string, reason: string): Promise<void> {
    const server = this.servers.get(name);
    if (!server?.instanceOf) return;
    await server.stop(reason);
    if (this.servers.get(name) === server) this.servers.delete(name);
    this.fireSnapshot();
  }

  async callTool(params: CallToolParams): Promise<CallToolResultJson> {
    const server = this.get(params.name);
    const timeoutMs = params.timeoutMs ?? server.spec.caps.requestTimeoutMs;
    return server.callTool(params.tool, params.arguments, timeoutMs);
  }

  logs(name: string, maxLines?: number): string[] {
    const server = this.get(name);
    return maxLines ? server.stderr.tail(maxLines) : server.stderr.toArray();
  }

  history(name?: string): Record<string, HistoryPoint[]> {
    if (name) return { [name]: this.get(name).history.toArray() };
    const out: Record<string, HistoryPoint[]> = {};
    for (const s of this.servers.values()) out[s.name] = s.history.toArray();
    return out;
  }

  async killProcess(name: string, pid: number): Promise<{ killed: boolean; signal: 'SIGTERM' | 'SIGKILL' | null }> {
    const server = this.get(name);
    const identity = server.root?.pid === pid ? server.root : server.tracked.get(pid);
    if (!identity) throw new WardenError('UNKNOWN_SERVER', `Process ${pid} is not part of \`${name}\`'s process tree (it may have exited).`, name);
    const alive = async () => (await this.table.startTimeOf(pid)) === identity.startTime;
    if (!(await alive())) return { killed: false, signal: null };
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      return { killed: false, signal: null };
    }
    const deadline = Date.now() + server.spec.caps.shutdownGraceMs;
    while (Date.now() < deadline) {
      if (!(await alive())) return { killed: true, signal: 'SIGTERM' };
      await new Promise((r) => setTimeout(r, 50));
    }
    if (!(await alive())) return { killed: true, signal: 'SIGTERM' };
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // exited between the check and the signal
    }
    return { killed: true, signal: 'SIGKILL' };
  }

  async killOrphans(): Promise<ReapResult> {
    const r = await this.registry.reapOrphans();
    this.reapedOrphans += r.reaped;
    if (r.reaped || r.warnings.length) {
      this.emit({ kind: 'orphans-reaped', server: null, message: `Reaped ${r.reaped} orphaned process(es) left by an earlier MCP Warden helper.${r.warnings.length ? ` ${r.warnings.join(' ')}` : ''}` });
    }
    return { reaped: r.reaped, pids: r.pids, warnings: r.warnings };
  }

  async shutdown(reason: string): Promise<StopResult> {
    this.shuttingDown = true;
    this.spares?.dispose();
    return this.stopAll(`shutting down: ${reason}`);
  }

  // --- sampling -----------------------------------------------------------------------------------

  private scheduleSampling(): void {
    if (this.sampleTimer) clearInterval(this.sampleTimer);
    this.sampleTimer = setInterval(() => void this.sampleOnce(), this.settings.sampleIntervalMs);
    this.sampleTimer.unref?.();
  }

  /** One read of the process table for every server; then the cap policies. */
  async sampleOnce(): Promise<void> {
    if (this.sampling || this.disposed) return;
    this.sampling = true;
    try {
      const snapshot = await this.table.read();
      const index = indexChildren(snapshot);
      const now = Date.now();
      this.sampledAt = now;
      const pssOnProc = this.table.kind === 'proc';
      this.pss.beginSample();
      for (const server of this.servers.values()) {
        const root = server.root;
        if (!root || server.state === 'stopping') continue;
        const rootEntry = snapshot.get(root.pid);
        const rootAlive = !!rootEntry && rootEntry.startTime === root.startTime && rootEntry.state !== 'Z';
        const descendants = collectDescendants(snapshot, rootAlive ? root.pid : -1, server.tracked.values(), index);
        const tree = rootAlive ? [rootEntry, ...descendants] : descendants;
        server.applySample(rootAlive ? rootEntry : undefined, descendants, now, this.measureMemory(server, tree, now, pssOnProc));
        if (server.state === 'running' || server.state === 'starting') this.enforce(server, now);
      }
      this.pss.endSample();
      this.fireSnapshot();
    } catch (err) {
      this.emit({ kind: 'error', server: null, code: 'INTERNAL', message: `Sampling the process table failed: ${(err as Error).message}` });
    } finally {
      this.sampling = false;
    }
    if (this.sampleRequested) {
      this.sampleRequested = false;
      void this.sampleOnce();
    }
  }

  /** The cgroup's own charge where the server has a memory cgroup; else PSS from /proc; else RSS. */
  private measureMemory(server: ManagedServer, tree: ProcessEntry[], now: number, pssOnProc: boolean): { bytes: number; source: MemorySource } {
    const charged = server.container?.memoryBytes();
    if (charged !== undefined) return { bytes: charged, source: 'cgroup' };
    if (!pssOnProc) return { bytes: tree.reduce((s, e) => s + e.rssBytes, 0), source: 'rss' };
    const caps = server.spec.caps;
    const warnBytes = (caps.memoryLimitMB * 1024 * 1024 * caps.warnAtPercent) / 100;
    return { bytes: this.pss.treeBytes(tree, warnBytes, now), source: 'pss' };
  }

  private enforce(server: ManagedServer, now: number): void {
    const caps = server.spec.caps;
    // Growth is judged on this process's own history after a warm-up: start-up (children still spawning, an earlier
    // process's samples) is not a leak.
    const growthFrom = (server.startedAt ?? now) + GROWTH_WARMUP_MS;
    const history = server.history.toArray().filter((p) => p.t >= growthFrom);
    const { decision, warnings } = evaluateCaps(server.name, caps, server.memoryBytes, server.children, history, now, server.container?.pidsLimitHits() ?? 0);
    const before = new Set(server.warnings.map((w) => w.code));
    for (const w of warnings) if (!before.has(w.code)) this.emit({ kind: 'warning', server: server.name, code: w.code, message: w.message, rssBytes: server.memoryBytes, limitBytes: caps.memoryLimitMB * 1024 * 1024 });
    server.warnings = warnings;
    if (!decision) return;
    if (decision.kind === 'children-over') {
      server.lastError = decision.message;
      this.emit({ kind: 'cap', server: server.name, code: 'CAP_CHILDREN', action: 'kill', message: decision.message });
      const why = decision.children > decision.limit ? `${decision.children} > ${decision.limit}` : `the kernel refused forks at pids.max (${decision.children} children seen)`;
      void server.stop(`child-process cap: ${why}`, 'capped');
      return;
    }
    const reason = `memory cap: ${formatBytes(decision.memoryBytes)} > ${formatBytes(decision.limitBytes)}`;
    if (decision.action === 'warn') {
      if (!before.has('MEMORY_WARN') || !server.warnings.some((w) => w.message.startsWith('over'))) {
        server.warnings = [...warnings.filter((w) => w.code !== 'MEMORY_WARN'), { code: 'MEMORY_WARN', message: `over the limit: ${decision.message}` }];
        if (!before.has('MEMORY_WARN') || !server.lastError?.includes('exceeded')) this.emit({ kind: 'cap', server: server.name, code: 'CAP_MEMORY', action: 'warn', message: decision.message, rssBytes: decision.memoryBytes, limitBytes: decision.limitBytes });
        server.lastError = decision.message;
      }
      return;
    }
    server.lastError = decision.message;
    this.emit({ kind: 'cap', server: server.name, code: 'CAP_MEMORY', action: decision.action, message: decision.message, rssBytes: decision.memoryBytes, limitBytes: decision.limitBytes });
    if (decision.action === 'kill') {
      void server.stop(reason, 'capped');
      return;
    }
    void server.stop(reason, 'capped').then(() => this.scheduleRestart(server, `exceeded its memory limit`));
  }

  // --- snapshots ------------------------------------------------------------------------------------

  private serverSnapshot(s: ManagedServer): ServerSnapshot {
    return {
      name: s.name,
      state: s.state,
      stateReason: this.blocked.get(s.name) && !s.isLive ? this.blocked.get(s.name)! : s.stateReason,
      pid: s.pid,
      command: s.spec.command,
      args: s.spec.args,
      source: s.spec.source,
      origin: s.spec.origin,
      rssBytes: s.rssBytes,
      memoryBytes: s.memoryBytes,
      memorySource: s.memorySource,
      containment: s.containment,
      children: s.children,
      processes: s.processes,
      restarts: s.restarts,
      startedAt: s.startedAt,
      tools: s.tools,
      lastError: s.lastError,
      warnings: s.warnings,
      caps: s.spec.caps,
      inFlightRequests: s.inFlight,
      ...(s.instanceOf ? { instanceOf: s.instanceOf } : {}),
    };
  }

  snapshot(): WardenSnapshot {
    const mem = process.memoryUsage();
    return {
      sampledAt: this.sampledAt,
      helper: {
        pid: process.pid,
        rssBytes: mem.rss,
        heapUsedBytes: mem.heapUsed,
        startedAt: this.startedAt,
        nodeVersion: process.versions.node,
        reapedOrphans: this.reapedOrphans,
        stateDir: this.stateDir,
        controlSocket: this.controlSocket,
        endpoints: this.endpoints,
        containment: { backend: this.containment.kind, reason: this.containment.reason },
        ...(this.windows ? { windows: this.windows() } : {}),
      },
      servers: [...this.servers.values()].map((s) => {
        const snap = this.serverSnapshot(s);
        const usage = this.usage?.(s.name);
        return usage ? { ...snap, usage } : snap;
      }),
    };
  }

  /** For leak tests: sizes of every internal collection. */
  internalSizes(): Record<string, number> {
    let tracked = 0, pending = 0, inFlight = 0;
    for (const s of this.servers.values()) {
      tracked += s.tracked.size;
      pending += s.pendingRequests();
      inFlight += s.inFlight;
    }
    return {
      servers: this.servers.size,
      pendingStderr: this.pendingStderr.size,
      tracked,
      pending,
      inFlight,
      registry: this.registry.size,
      pssCache: this.pss.size,
      snapshotListeners: this.snapshotEmitter.listenerCount,
      eventListeners: this.eventEmitter.listenerCount,
    };
  }

  /** Last resort (a second signal, a stuck cleanup): SIGKILL every group and tracked process, synchronously. */
  killEverythingNow(): void {
    for (const s of this.servers.values()) {
      const root = s.root;
      if (!root) continue;
      // cgroup.kill is written synchronously inside killAll before its first await.
      void s.container?.killAll();
      const pids = [...(process.platform === 'win32' ? [] : [-root.pid]), root.pid, ...[...s.tracked.keys()]];
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
  }

  managed(name: string): ManagedServer | undefined {
    return this.servers.get(name);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.spares?.dispose();
    if (this.sampleTimer) clearInterval(this.sampleTimer);
    if (this.handshakeSampleTimer) clearTimeout(this.handshakeSampleTimer);
    if (this.stderrTimer) clearTimeout(this.stderrTimer);
    for (const s of this.servers.values()) s.clearRestartTimer();
    this.snapshotEmitter.dispose();
    this.eventEmitter.dispose();
    this.stderrEmitter.dispose();
  }
}

function toInfo(e: { pid: number; ppid: number; command: string; rssBytes: number }): ProcessInfo {
  return { pid: e.pid, ppid: e.ppid, command: e.command, rssBytes: e.rssBytes };
}
