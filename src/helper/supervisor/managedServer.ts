// One supervised MCP server: spawns it in its own process group and its own container (a cgroup where the machine
// allows), completes the MCP handshake over our own transport, tracks its process tree, and stops it in the MCP
// spec's order, ending with a kill of the whole container. The supervisor decides policy.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { ServerSpec } from '../../shared/config';
import { RingBuffer } from '../../shared/bounded';
import { WardenError } from '../../shared/errors';
import type { CallToolResultJson, ContainmentInfo, HistoryPoint, MemorySource, ProcessInfo, ServerState, ServerWarning, ToolInfo } from '../../shared/protocol';
import { kernelLimits } from '../containment/limits';
import { removeWhenReleased } from '../containment/remove';
import { ProcessGroupContainer } from '../containment/processGroup';
import type { Container, ContainmentBackend, LaunchCommand } from '../containment/types';
import { writeInstruction, type SpareLauncher, type SpareLaunchers } from '../containment/spareLaunchers';
import { LineSplitter } from '../mcp/lineSplitter';
import { loadSdk, type Sdk } from '../mcp/sdk';
import type { RawChannel } from '../mcp/tapTransport';
import { resolveCommand } from '../platform/resolveCommand';
import { terminateTree } from '../platform/terminate';
import type { PidRegistry } from '../registry/pidRegistry';
import type { ProcessEntry, ProcessIdentity, ProcessTable } from '../sampling/types';

export const HANDSHAKE_TIMEOUT_MS = 30_000;
const STDERR_LINE_MAX_BYTES = 4096;
/** stdout closed (or stdin broke) while the process lives: how long to wait for its exit before calling it a crash. */
const CHANNEL_EXIT_GRACE_MS = 1000;
/** A server that exits during its handshake: how long to wait for its exit status to name it. */
const HANDSHAKE_EXIT_WAIT_MS = 1000;
const MAX_TOOLS = 1000;
const MAX_TRACKED = 256;
const MAX_PROCESSES_SHOWN = 200;

export interface ManagedServerHost {
  readonly table: ProcessTable;
  readonly registry: PidRegistry;
  readonly handshakeTimeoutMs: number;
  /** What Warden's MCP client tells servers it supports (the session layer relays roots, sampling, elicitation). */
  readonly clientCapabilities?: Record<string, unknown>;
  readonly containment: ContainmentBackend;
  /** Launchers started ahead of need (src/helper/containment/spareLaunchers.ts); absent where servers need none. */
  readonly spares?: SpareLaunchers;
  onStateChange(server: ManagedServer, reason: string): void;
  serverStderr(server: ManagedServer, line: string): void;
  /** The process exited while we did not ask it to. */
  onUnexpectedExit(server: ManagedServer, reason: string): void;
  /**
   * The process exited after the kernel enforced a limit of its container: memory.max killed a member, or pids.max
   * refused a fork (a fork bomb held at the cap; the server usually dies of the failed fork). A cap, not a crash.
   */
  onKernelLimit(server: ManagedServer, limit: 'memory' | 'pids', reason: string): void;
}

export class ManagedServer {
  state: ServerState = 'stopped';
  stateReason = 'not started';
  pid: number | null = null;
  startedAt: number | null = null;
  tools: ToolInfo[] = [];
  lastError: string | null = null;
  warnings: ServerWarning[] = [];
  restarts = 0;
  inFlight = 0;
  rssBytes = 0;
  /** The figure caps use (cgroup working set, PSS or RSS: memorySource says which). */
  memoryBytes = 0;
  memorySource: MemorySource = 'rss';
  children = 0;
  processes: ProcessInfo[] = [];
  containment: ContainmentInfo | null = null;
  /** The current run's container; removed (rmdir) when the run's tree is gone. */
  container: Container | undefined;
  private containerLimitsKey = '';
  /** Restart times inside the intensity window, bounded by maxRestarts + 1. */
  restartTimes: RingBuffer<number>;
  history: RingBuffer<HistoryPoint>;
  stderr: RingBuffer<string>;
  /** Descendants seen in samples (pid + start time), so ones that leave the tree are still counted and killed. */
  readonly tracked = new Map<number, ProcessIdentity>();
  /** A pending restart (backoff) timer, at most one. */
  restartTimer: NodeJS.Timeout | undefined;
  /** Set by stop() just before its final state change, so that state's event can say how the stop went. */
  lastStop: { stopMs: number; uptimeMs: number; survivorPids: number[] } | undefined;

  private child: ChildProcess | undefined;
  private client: Client | undefined;
  private rawChannel: RawChannel | undefined;
  private sdk: Sdk | undefined;
  private rootIdentity: ProcessIdentity | undefined;
  private stopping: Promise<ProcessEntry[]> | undefined;
  private exitWaiters: (() => void)[] = [];
  /** stderr split into lines bounded in bytes: an endless line costs 4 KB, never a growing string. */
  private readonly stderrLines = new LineSplitter(STDERR_LINE_MAX_BYTES, {
    line: (line) => this.pushStderr(line),
    overflow: (head) => this.pushStderr(`${head}… (line longer than ${STDERR_LINE_MAX_BYTES} bytes, cut)`),
  });
  /** How the last process exited, for a start-up failure's message. */
  private lastExit: string | undefined;
  private channelTimer: NodeJS.Timeout | undefined;
  /** Bumped on each spawn so late callbacks of an earlier process are ignored. */
  private generation = 0;

  constructor(
    public spec: ServerSpec,
    private readonly host: ManagedServerHost,
    historySize: number,
    /** For an instance the session layer added (other roots, or one per client): the configured server it copies. */
    readonly instanceOf: string | null = null,
  ) {
    this.history = new RingBuffer(historySize);
    this.stderr = new RingBuffer(spec.caps.stderrLines);
    this.restartTimes = new RingBuffer(Math.max(1, spec.caps.maxRestarts + 1));
  }

  get name(): string {
    return this.spec.name;
  }

  get isLive(): boolean {
    return this.state === 'starting' || this.state === 'running' || this.state === 'stopping';
  }

  setState(state: ServerState, reason: string): void {
    if (this.state === state && this.stateReason === reason) return;
    this.state = state;
    this.stateReason = reason;
    this.host.onStateChange(this, reason);
  }

  /** Spawns and completes the handshake. Throws a WardenError (SPAWN_FAILED / HANDSHAKE_FAILED) after cleaning up. */
  async start(): Promise<void> {
    const gen = ++this.generation;
    this.clearRestartTimer();
    this.tools = [];
    this.warnings = [];
    this.tracked.clear();
    this.rssBytes = 0;
    this.memoryBytes = 0;
    this.children = 0;
    this.processes = [];
    this.lastExit = undefined;
    this.stderrLines.reset();
    this.setState('starting', 'spawning');
    const sdk = (this.sdk ??= await loadSdk());
    const { ChildProcessTransport, Client, ErrorCode, McpError, TapTransport } = sdk;
    const env = { ...process.env, ...this.spec.env };
    let child: ChildProcess;
    let container: Container | undefined;
    let spare: SpareLauncher | undefined;
    let launch: LaunchCommand;
    try {
      const file = resolveCommand(this.spec.command, env, this.spec.cwd);
      container = this.createContainer();
      // Through the backend's launcher: the command's first instruction already runs inside its container.
      launch = container.launch(file, this.spec.args);
      // A spare launcher already started skips one Node start; a cwd that is not there is left to spawn to report.
      spare = launch.viaLauncher && (this.spec.cwd === undefined || existsSync(this.spec.cwd)) ? this.host.spares?.take() : undefined;
      if (spare) {
        child = spare.child;
        // The spare waits in `/`: without a configured cwd the server starts where a spawned one would, the engine's.
        writeInstruction(child, { procs: launch.viaLauncher!.joinFiles, file: launch.viaLauncher!.file, args: launch.viaLauncher!.args, env, cwd: this.spec.cwd ?? process.cwd() });
      } else {
        child = spawn(launch.file, launch.args, {
          cwd: this.spec.cwd,
          env,
          stdio: ['pipe', 'pipe', 'pipe'],
          // Its own process group on POSIX, so the whole tree can be signalled at once.
          detached: process.platform !== 'win32',
          windowsHide: true,
          shell: false,
        });
        if (!launch.joinsItself) child.once('spawn', () => container!.adopt(child.pid!));
      }
    } catch (err) {
      container?.remove();
      const e = err instanceof WardenError ? err : new WardenError('SPAWN_FAILED', `Could not start \`${this.name}\`: ${(err as Error).message}`, this.name);
      this.fail(e.message);
      throw new WardenError(e.code, e.message, this.name);
    }
    this.child = child;
    const spawned = spare
      ? null
      : await new Promise<Error | null>((resolve) => {
          child.once('spawn', () => resolve(null));
          child.once('error', (err) => resolve(err));
        });
    if (spawned || child.pid === undefined) {
      this.child = undefined;
      container.remove();
      const message = `Could not start \`${this.name}\` (${this.spec.command}): ${spawned?.message ?? 'no pid'}`;
      this.fail(message);
      throw new WardenError('SPAWN_FAILED', message, this.name);
    }
    const pid = child.pid;
    this.pid = pid;
    this.startedAt = Date.now();
    const startTime = spare ? spare.startTime : ((await this.host.table.startTimeOf(pid)) ?? 0);
    this.rootIdentity = { pid, startTime };
    this.container = container;
    this.containment = { backend: this.host.containment.kind, detail: container.detail };
    // A spare has been in the registry since its own spawn (by pid, pgid and start time, which exec keeps); this
    // write adds its server and cgroups while the launcher joins and execs, instead of before.
    this.host.registry.record({
      pid,
      pgid: process.platform === 'win32' ? 0 : pid,
      startTime,
      command: [this.spec.command, ...this.spec.args].join(' ').slice(0, 512),
      server: this.name,
      cgroups: [...container.paths],
    });

    child.stderr!.on('data', (chunk: Buffer) => this.stderrLines.push(chunk));
    child.stderr!.on('error', () => undefined);
    child.stdin!.on('error', () => {
      // EPIPE when the server exits first; the exit handler reports it.
    });
    child.once('exit', (code, signal) => this.onExit(gen, code, signal));

    const transport = new TapTransport(new ChildProcessTransport(child.stdout!, child.stdin!, {
      onGarbage: (line, kind) =>
        this.pushStderr(kind === 'too-long' ? `[warden] stdout: ${line}` : `[warden] stdout is not JSON-RPC, ignored: ${line}`),
      onChannelClosed: (reason) => this.onChannelClosed(gen, pid, reason),
    }, this.spec.caps.maxMessageMB * 1024 * 1024));
    this.rawChannel = transport;
    const client = new Client({ name: 'mcp-warden', version: '0.1.0' }, { capabilities: this.host.clientCapabilities ?? {} });
    client.onerror = () => {
      // Transport-level noise (e.g. a write after exit); the exit handler or the request reports what matters.
    };
    this.client = client;
    try {
      await client.connect(transport, { timeout: this.host.handshakeTimeoutMs });
      this.tools = await this.listTools(client);
    } catch (err) {
      if (gen !== this.generation) throw new WardenError('HANDSHAKE_FAILED', `\`${this.name}\` was stopped during start-up.`, this.name);
      const detail = err instanceof McpError && err.code === ErrorCode.RequestTimeout
        ? `it did not answer the MCP initialize request within ${Math.round(this.host.handshakeTimeoutMs / 1000)} s (is it an MCP stdio server?)`
        : (err as Error).message;
      // A server that exited during the handshake is named by its exit status, not by the closed connection.
      if (this.child && !this.lastExit) await this.waitForExit(HANDSHAKE_EXIT_WAIT_MS);
      const message = this.lastExit
        ? `\`${this.name}\` ${this.lastExit} before completing the MCP handshake`
        : `\`${this.name}\` failed the MCP handshake: ${detail}`;
      const last = this.stderr.tail(5).join(' | ');
      await this.stop(message);
      this.lastError = last ? `${message} (stderr: ${last})` : message;
      this.setState('failed', message);
      throw new WardenError('HANDSHAKE_FAILED', this.lastError, this.name);
    }
    if (gen !== this.generation || this.state !== 'starting') return;
    this.setState('running', `handshake complete, ${this.tools.length} tools`);
  }

  private async listTools(client: Client): Promise<ToolInfo[]> {
    const tools: ToolInfo[] = [];
    let cursor: string | undefined;
    // Pagination is bounded: a server returning cursors forever cannot make us loop.
    for (let page = 0; page < 20 && tools.length < MAX_TOOLS; page++) {
      const r = await client.listTools(cursor ? { cursor } : undefined, { timeout: this.host.handshakeTimeoutMs });
      for (const t of r.tools) {
        if (tools.length >= MAX_TOOLS) break;
        tools.push({ name: t.name, description: t.description, inputSchema: t.inputSchema as Record<string, unknown> });
      }
      cursor = r.nextCursor;
      if (!cursor) break;
    }
    return tools;
  }

  /** This run's container; where the backend cannot make one, process groups, with the reason shown. */
  private createContainer(): Container {
    const limits = kernelLimits(this.spec.caps);
    this.containerLimitsKey = JSON.stringify(limits);
    try {
      return this.host.containment.create(this.name, limits);
    } catch (err) {
      const detail = `process-group: ${(err as Error).message}`;
      this.pushStderr(`[warden] ${this.name}: ${detail}`);
      return new ProcessGroupContainer(detail);
    }
  }

  private fail(message: string): void {
    this.lastError = message;
    this.pid = null;
    this.startedAt = null;
    this.setState('failed', message);
  }

  private pushStderr(line: string): void {
    const clean = line.endsWith('\r') ? line.slice(0, -1) : line;
    this.stderr.push(clean);
    this.host.serverStderr(this, clean);
  }

  /**
   * The MCP channel ended from the server's side. If the process exits now, its exit says why (onExit); if it lives
   * on, it can no longer answer anything: a crash, with that reason, and the restart policy decides.
   */
  private onChannelClosed(gen: number, pid: number, reason: string): void {
    if (gen !== this.generation || this.state !== 'running') return; // during start-up the handshake's failure reports it
    if (this.channelTimer) clearTimeout(this.channelTimer);
    this.channelTimer = setTimeout(() => {
      this.channelTimer = undefined;
      if (gen !== this.generation || this.state !== 'running' || !this.child) return;
      const why = `${reason} while still running (pid ${pid}); the MCP channel is gone`;
      this.lastError = `\`${this.name}\` ${why}`;
      this.host.onUnexpectedExit(this, why);
    }, CHANNEL_EXIT_GRACE_MS);
    this.channelTimer.unref?.();
  }

  private onExit(gen: number, code: number | null, signal: NodeJS.Signals | null): void {
    if (gen !== this.generation) return;
    const waiters = this.exitWaiters;
    this.exitWaiters = [];
    for (const w of waiters) w();
    const reason = signal ? `exited on ${signal}` : `exited with code ${code}`;
    this.lastExit = reason;
    this.stderrLines.end();
    if (this.channelTimer) clearTimeout(this.channelTimer);
    this.channelTimer = undefined;
    // The registry entry stays until stop() has reaped what the process left behind.
    this.child = undefined;
    const oom = this.container?.oomKills() ?? 0;
    const refusedForks = this.container?.pidsLimitHits() ?? 0;
    const client = this.client;
    this.client = undefined;
    this.rawChannel = undefined;
    void client?.close().catch(() => undefined);
    if (this.state === 'stopping') return; // stop() finishes the bookkeeping
    if (this.state === 'capped' || this.state === 'failed' || this.state === 'stopped') return;
    if (oom > 0) {
      this.host.onKernelLimit(this, 'memory', `killed by the kernel memory limit of its cgroup (${reason})`);
      return;
    }
    if (refusedForks > 0) {
      this.host.onKernelLimit(this, 'pids', `${reason} after the kernel refused ${refusedForks} fork(s) at its pids limit`);
      return;
    }
    this.lastError = `\`${this.name}\` ${reason}${this.stderr.size ? ` (last stderr: ${this.stderr.last()})` : ''}`;
    this.host.onUnexpectedExit(this, reason);
  }

  /** Records one sample of this server's tree. */
  applySample(root: ProcessEntry | undefined, descendants: ProcessEntry[], t: number, memory?: { bytes: number; source: MemorySource }): void {
    for (const d of descendants) {
      if (!this.tracked.has(d.pid) && this.tracked.size < MAX_TRACKED) this.tracked.set(d.pid, { pid: d.pid, startTime: d.startTime });
    }
    // Forget tracked identities that are gone, so the map only holds live processes.
    const live = new Set(descendants.map((d) => d.pid));
    for (const pid of this.tracked.keys()) if (!live.has(pid)) this.tracked.delete(pid);
    const all = root ? [root, ...descendants] : descendants;
    this.rssBytes = all.reduce((s, e) => s + e.rssBytes, 0);
    this.memoryBytes = memory?.bytes ?? this.rssBytes;
    this.memorySource = memory?.source ?? 'rss';
    this.children = descendants.length;
    this.processes = all.slice(0, MAX_PROCESSES_SHOWN).map((e) => ({ pid: e.pid, ppid: e.ppid, command: e.command, rssBytes: e.rssBytes }));
    this.history.push({ t, rssBytes: this.rssBytes, memoryBytes: this.memoryBytes, children: this.children });
    // Caps changed by a reload reach the kernel's limits too.
    const key = JSON.stringify(kernelLimits(this.spec.caps));
    if (this.container && key !== this.containerLimitsKey) {
      this.containerLimitsKey = key;
      this.container.setLimits(kernelLimits(this.spec.caps));
    }
    if (this.pid !== null) this.host.registry.updateDescendants(this.pid, [...this.tracked.values()]);
  }

  /** Raw JSON-RPC access to the running server for the session layer; undefined unless running. */
  get raw(): RawChannel | undefined {
    return this.state === 'running' ? this.rawChannel : undefined;
  }

  get root(): ProcessIdentity | undefined {
    return this.rootIdentity;
  }

  async callTool(tool: string, args: Record<string, unknown> | undefined, timeoutMs: number): Promise<CallToolResultJson> {
    const client = this.client;
    if (this.state !== 'running' || !client) {
      throw new WardenError('SERVER_NOT_RUNNING', `\`${this.name}\` is ${this.state}; start it before calling a tool.`, this.name);
    }
    if (this.inFlight >= this.spec.caps.maxInFlightRequests) {
      throw new WardenError(
        'CAP_IN_FLIGHT',
        `\`${this.name}\` already has ${this.inFlight} requests in flight (limit maxInFlightRequests = ${this.spec.caps.maxInFlightRequests}); try again when one finishes.`,
        this.name,
      );
    }
    if (this.tools.length && !this.tools.some((t) => t.name === tool)) {
      throw new WardenError('TOOL_NOT_FOUND', `\`${this.name}\` has no tool "${tool}" (tools: ${this.tools.map((t) => t.name).slice(0, 20).join(', ')}).`, this.name);
    }
    this.inFlight++;
    try {
      // The SDK removes its response handler on timeout and sends notifications/cancelled: a late reply is dropped.
      const result = await client.callTool({ name: tool, arguments: args ?? {} }, undefined, { timeout: timeoutMs, maxTotalTimeout: timeoutMs });
      return result as CallToolResultJson;
    } catch (err) {
      const { ErrorCode, McpError, REPLY_TOO_LARGE_RPC_CODE } = this.sdk!;
      if (err instanceof McpError && err.code === REPLY_TOO_LARGE_RPC_CODE) {
        throw new WardenError('REPLY_TOO_LARGE', `\`${this.name}\` ${tool} failed: ${err.message.replace(/^MCP error -?\d+: /, '')} (raise maxMessageMB to accept it).`, this.name);
      }
      if (err instanceof McpError && err.code === ErrorCode.RequestTimeout) {
        throw new WardenError('REQUEST_TIMEOUT', `\`${this.name}\` did not answer ${tool} within ${timeoutMs} ms; the request was cancelled.`, this.name);
      }
      if (err instanceof WardenError) throw err;
      throw new WardenError('TOOL_ERROR', `\`${this.name}\` ${tool} failed: ${(err as Error).message}`, this.name);
    } finally {
      this.inFlight--;
    }
  }

  /** The SDK client's pending-response count (for leak tests). */
  pendingRequests(): number {
    const handlers = (this.client as unknown as { _responseHandlers?: Map<unknown, unknown> } | undefined)?._responseHandlers;
    return handlers?.size ?? 0;
  }

  private waitForExit(ms: number): Promise<boolean> {
    if (!this.child) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.exitWaiters = this.exitWaiters.filter((w) => w !== done);
        resolve(false);
      }, ms);
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.exitWaiters.push(done);
    });
  }

  /**
   * The MCP spec's order: close stdin, wait for the server to exit, SIGTERM the group and every tracked
   * descendant, wait the grace period, SIGKILL the rest. Returns survivors (normally none).
   */
  stop(reason: string, finalState: ServerState = 'stopped'): Promise<ProcessEntry[]> {
    if (this.stopping) return this.stopping;
    this.clearRestartTimer();
    const run = async (): Promise<ProcessEntry[]> => {
      const root = this.rootIdentity;
      if (!root) {
        if (this.state !== 'failed' && this.state !== 'capped') this.setState(finalState, reason);
        return [];
      }
      this.setState('stopping', reason);
      const stopBegan = Date.now();
      const uptimeMs = this.startedAt !== null ? stopBegan - this.startedAt : 0;
      const grace = this.spec.caps.shutdownGraceMs;
      const client = this.client;
      this.client = undefined;
      // The raw channel's tap hears of the close when the transport closes (stdout end or client.close below).
      this.rawChannel = undefined;
      try {
        this.child?.stdin?.end();
      } catch {
        // already closed
      }
      const stdinWaitMs = Math.min(Math.floor(grace / 2), 1000);
      if (this.child) await this.waitForExit(stdinWaitMs);
      void client?.close().catch(() => undefined);
      const container = this.container;
      const { survivors } = await terminateTree(
        { pid: root.pid, pgid: process.platform === 'win32' ? 0 : root.pid, startTime: root.startTime, tracked: [...this.tracked.values()], container },
        this.host.table,
        Math.max(0, grace - stdinWaitMs),
      );
      // The container goes once the kernel says it is empty (and has released its dead: rmdir is EBUSY until the
      // last zombie is reaped); one that stays busy stays recorded, for the next engine to kill and remove.
      if (!container || (container.isEmpty() !== false && (await removeWhenReleased(container)))) {
        this.container = undefined;
        this.host.registry.remove(root.pid);
      }
      this.rootIdentity = undefined;
      this.generation++;
      this.child = undefined;
      this.pid = null;
      this.startedAt = null;
      this.tracked.clear();
      this.rssBytes = 0;
      this.memoryBytes = 0;
      this.children = 0;
      this.processes = [];
      this.inFlight = 0;
      if (survivors.length) {
        this.lastError = `${survivors.length} process(es) of \`${this.name}\` survived SIGKILL: ${survivors.map((s) => s.pid).join(', ')}`;
      }
      this.lastStop = { stopMs: Date.now() - stopBegan, uptimeMs, survivorPids: survivors.slice(0, 50).map((p) => p.pid) };
      this.setState(finalState, reason);
      this.lastStop = undefined;
      return survivors;
    };
    this.stopping = run().finally(() => {
      this.stopping = undefined;
    });
    return this.stopping;
  }

  clearRestartTimer(): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    if (this.channelTimer) clearTimeout(this.channelTimer);
    this.channelTimer = undefined;
  }
}
