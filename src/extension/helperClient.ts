// Connects the window to the per-user engine (engineConnection.ts: its control socket, starting `mcp-warden daemon` when
// none answers), attaches as a window, relays the engine's notifications into the model, and sends requests for
// everyone else. The only module that talks to the engine: views read the model, commands call `request`.
import * as vscode from 'vscode';
import type { RequestType, RequestType0 } from 'vscode-jsonrpc';
import { WardenError } from '../shared/errors';
import {
  AttachWindowRequest,
  EventNotification,
  MemoryProgressNotification,
  ShutdownRequest,
  SnapshotNotification,
  SnapshotRequest,
  StderrNotification,
} from '../shared/protocol';
import { connectEngine, type EngineLink } from './engineConnection';
import type { WardenModel } from './model';
import type { RuntimeChoice } from './runtime';

/** Restart intensity for the engine connection: at most this many losses in the window, then give up and say so. */
export const HELPER_MAX_RESTARTS = 3;
export const HELPER_RESTART_WINDOW_MS = 3 * 60_000;
/** Pause before reconnecting after the engine went away (times the attempt number). */
const RECONNECT_DELAY_MS = 500;

export interface HelperLaunch {
  runtime: RuntimeChoice;
  /** dist/cli.js: `mcp-warden daemon` is started from it when no engine answers. */
  cliModule: string;
  /** The resolved state dir (mcpWarden.stateDir, else the per-user default, as the CLI resolves it). */
  stateDir: string;
  workspaceName: string | undefined;
}

type MemoryProgress = { operation: 'import' | 'export'; done: number; bytes: number; totalBytes: number | null };

export class HelperClient implements vscode.Disposable {
  private link: EngineLink | undefined;
  private launch: HelperLaunch | undefined;
  private connecting: Promise<void> | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private currentWindowId: string | null = null;
  private readonly crashTimes: number[] = [];
  private readonly startedEmitter = new vscode.EventEmitter<void>();
  private readonly progressEmitter = new vscode.EventEmitter<MemoryProgress>();
  private stopping = false;
  private shutdownPromise: Promise<void> | undefined;

  /** Fires each time the window is (re)connected and attached: configure the engine again then. */
  readonly onDidStart = this.startedEmitter.event;
  readonly onMemoryProgress = this.progressEmitter.event;

  constructor(
    private readonly model: WardenModel,
    private readonly output: vscode.LogOutputChannel,
  ) {}

  get isRunning(): boolean {
    return this.link !== undefined && this.currentWindowId !== null;
  }

  /** The id the engine knows this window by (the model's): its agent sends it with every HTTP request. */
  get windowId(): string | null {
    return this.currentWindowId;
  }

  async start(launch: HelperLaunch): Promise<void> {
    this.launch = launch;
    this.model.setHelperStatus({ kind: 'starting' });
    await this.connect();
  }

  private connect(): Promise<void> {
    this.connecting ??= this.doConnect().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async doConnect(): Promise<void> {
    const launch = this.launch;
    if (!launch || this.stopping) return;
    const link = await connectEngine({ nodePath: launch.runtime.path, env: launch.runtime.env, cliModule: launch.cliModule, stateDir: launch.stateDir });
    if (this.stopping) {
      link.close();
      return;
    }
    const c = link.connection;
    c.onNotification(SnapshotNotification.type, (s) => this.model.setSnapshot(s));
    c.onNotification(EventNotification.type, (e) => this.model.addEvent(e));
    c.onNotification(StderrNotification.type, (p) => this.model.addStderr(p.name, p.lines));
    c.onNotification(MemoryProgressNotification.type, (p) => this.progressEmitter.fire(p));
    c.listen();
    let attached;
    try {
      // The model's window id: the agent provider sends it with every request, so the engine ends those sessions with us.
      attached = await c.sendRequest(AttachWindowRequest.type, { windowId: this.model.windowId, label: launch.workspaceName ?? vscode.env.appName, pid: process.pid });
    } catch (err) {
      link.close();
      throw WardenError.from(err);
    }
    this.link = link;
    this.currentWindowId = attached.windowId;
    this.output.info(`${link.started ? 'started' : 'connected to'} MCP Warden's engine (pid ${link.enginePid}, state dir ${launch.stateDir})`);
    void link.closed.then(() => this.onClosed(link));
    this.model.setHelperStatus({ kind: 'running' });
    this.startedEmitter.fire();
    try {
      this.model.setSnapshot(await this.request0(SnapshotRequest.type));
    } catch (err) {
      this.output.warn(`first snapshot failed: ${WardenError.from(err).message}`);
    }
  }

  /** The engine went away (killed, crashed): connect again (starting a new one) within the restart intensity. */
  private onClosed(link: EngineLink): void {
    if (this.link !== link) return;
    this.link = undefined;
    this.currentWindowId = null;
    if (this.stopping) return;
    this.output.warn(`the connection to MCP Warden's engine (pid ${link.enginePid}) closed`);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const now = Date.now();
    // Only losses inside the window count; older ones are dropped, so this array stays at most HELPER_MAX_RESTARTS long.
    while (this.crashTimes.length && now - this.crashTimes[0]! > HELPER_RESTART_WINDOW_MS) this.crashTimes.shift();
    if (this.crashTimes.length >= HELPER_MAX_RESTARTS) {
      const message =
        `MCP Warden's engine went away ${HELPER_MAX_RESTARTS + 1} times within ${HELPER_RESTART_WINDOW_MS / 60_000} minutes; ` +
        'it will not be restarted. Servers it supervised were stopped by it or will be reaped at the next start. See the "MCP Warden" output and daemon.log in the state dir, then run "MCP Warden: Restart Helper".';
      this.model.setHelperStatus({ kind: 'failed', message });
      void vscode.window.showErrorMessage(message, 'Show Output', 'Restart Helper').then((b) => {
        if (b === 'Show Output') this.output.show();
        else if (b === 'Restart Helper') void vscode.commands.executeCommand('mcpWarden.restartHelper');
      });
      return;
    }
    this.crashTimes.push(now);
    const attempt = this.crashTimes.length;
    this.model.setHelperStatus({ kind: 'restarting', message: `MCP Warden's engine stopped unexpectedly; restarting it (${attempt} of ${HELPER_MAX_RESTARTS})` });
    this.output.warn(`engine connection lost; reconnect ${attempt}/${HELPER_MAX_RESTARTS}`);
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect().catch((err: unknown) => {
        this.output.error(`reconnecting to MCP Warden's engine failed: ${WardenError.from(err).message}`);
        if (!this.stopping && !this.link) this.scheduleReconnect();
      });
    }, RECONNECT_DELAY_MS * attempt);
  }

  /** "Restart Helper": a fresh connection with a fresh restart budget (starting the engine if it is gone). */
  async restart(): Promise<void> {
    if (!this.launch) throw new WardenError('HELPER_UNAVAILABLE', 'MCP Warden\'s engine was never started (see the "MCP Warden" output); reload the window.');
    if (this.shutdownPromise) throw new WardenError('HELPER_UNAVAILABLE', 'MCP Warden is shutting down.');
    this.crashTimes.length = 0;
    clearTimeout(this.reconnectTimer);
    const old = this.link;
    this.link = undefined;
    this.currentWindowId = null;
    old?.close();
    this.model.setHelperStatus({ kind: 'starting' });
    await this.connect();
  }

  private ready(): EngineLink {
    if (!this.link || !this.currentWindowId) {
      throw new WardenError('HELPER_UNAVAILABLE', 'MCP Warden\'s engine is not connected. Check the "MCP Warden" output, or run "MCP Warden: Restart Helper".');
    }
    return this.link;
  }

  /** Sends a request; any failure comes back as a WardenError with its code. */
  async request<P, R>(type: RequestType<P, R, void>, params: P, token?: vscode.CancellationToken): Promise<R> {
    const link = this.ready();
    try {
      return (await link.connection.sendRequest(type, params as never, token as never)) as R;
    } catch (err) {
      throw WardenError.from(err);
    }
  }

  async request0<R>(type: RequestType0<R, void>, token?: vscode.CancellationToken): Promise<R> {
    const link = this.ready();
    try {
      return (await link.connection.sendRequest(type as RequestType0<R, void>, token as never)) as R;
    } catch (err) {
      throw WardenError.from(err);
    }
  }

  /**
   * Window close: detach from the engine, which ends this window's sessions and stops the servers no other client
   * uses (bounded wait), then close the connection (closing it alone does the same: kill -9 of the extension host).
   * Idempotent.
   */
  shutdown(reason: string, timeoutMs = 5000): Promise<void> {
    this.shutdownPromise ??= this.doShutdown(reason, timeoutMs);
    return this.shutdownPromise;
  }

  private async doShutdown(reason: string, timeoutMs: number): Promise<void> {
    this.stopping = true;
    clearTimeout(this.reconnectTimer);
    const link = this.link;
    if (!link) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([link.connection.sendRequest(ShutdownRequest.type, { reason }), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    } catch (err) {
      this.output.warn(`detaching from the engine failed: ${WardenError.from(err).message}`);
    } finally {
      clearTimeout(timer);
      this.link = undefined;
      this.currentWindowId = null;
      link.close();
    }
  }

  /** Whichever runs first (deactivate or disposal of the subscriptions) detaches; the other waits on the same promise. */
  dispose(): void {
    void this.shutdown('extension host stopping').finally(() => {
      this.startedEmitter.dispose();
      this.progressEmitter.dispose();
    });
  }
}
