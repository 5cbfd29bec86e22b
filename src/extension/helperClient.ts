// Starts the helper through vscode-languageclient (IPC), relays its notifications into the model, and sends requests for everyone else.
// The only module that talks to the helper: views read the model, commands call `request`.
import * as vscode from 'vscode';
import type { RequestType, RequestType0 } from 'vscode-jsonrpc';
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  RevealOutputChannelOn,
  State,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import { WardenError } from '../shared/errors';
import {
  EventNotification,
  MemoryProgressNotification,
  ShutdownRequest,
  SnapshotNotification,
  SnapshotRequest,
  StderrNotification,
} from '../shared/protocol';
import type { WardenModel } from './model';
import type { RuntimeChoice } from './runtime';

/** Restart intensity for the helper itself: at most this many crashes in the window, then give up and say so. */
export const HELPER_MAX_RESTARTS = 3;
export const HELPER_RESTART_WINDOW_MS = 3 * 60_000;

export interface HelperLaunch {
  runtime: RuntimeChoice;
  helperModule: string;
  stateDir: string | undefined;
  workspaceName: string | undefined;
}

type MemoryProgress = { operation: 'import' | 'export'; done: number; bytes: number; totalBytes: number | null };

export class HelperClient implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private readonly crashTimes: number[] = [];
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly startedEmitter = new vscode.EventEmitter<void>();
  private readonly progressEmitter = new vscode.EventEmitter<MemoryProgress>();
  private stopping = false;
  private shutdownPromise: Promise<void> | undefined;

  /** Fires each time the helper is (re)started and initialized: configure it again then. */
  readonly onDidStart = this.startedEmitter.event;
  readonly onMemoryProgress = this.progressEmitter.event;

  constructor(
    private readonly model: WardenModel,
    private readonly output: vscode.LogOutputChannel,
  ) {}

  get isRunning(): boolean {
    return this.client?.state === State.Running;
  }

  async start(launch: HelperLaunch): Promise<void> {
    const args = launch.stateDir ? ['--state-dir', launch.stateDir] : [];
    const run = {
      module: launch.helperModule,
      transport: TransportKind.ipc,
      runtime: launch.runtime.path,
      args,
      options: { env: { ...launch.runtime.env } },
    };
    const serverOptions: ServerOptions = { run, debug: run };
    const clientOptions: LanguageClientOptions = {
      // Not a language server: no documents are synchronized.
      documentSelector: [],
      outputChannel: this.output,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      initializationOptions: { workspaceName: launch.workspaceName ?? null, client: 'vscode' },
      initializationFailedHandler: (error) => {
        const message = `MCP Warden's helper failed to initialize: ${error instanceof Error ? error.message : String(error)}`;
        this.model.setHelperStatus({ kind: 'failed', message });
        void vscode.window.showErrorMessage(message, 'Show Output').then((b) => b && this.output.show());
        return false;
      },
      errorHandler: {
        error: (_error, _message, count) => ({ action: (count ?? 0) <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown, handled: true }),
        closed: () => this.onClosed(),
      },
    };
    const client = new LanguageClient('mcpWarden.helper', 'MCP Warden Helper', serverOptions, clientOptions);
    this.client = client;
    this.subscriptions.push(
      client.onNotification(SnapshotNotification.type, (s) => this.model.setSnapshot(s)),
      client.onNotification(EventNotification.type, (e) => this.model.addEvent(e)),
      client.onNotification(StderrNotification.type, (p) => this.model.addStderr(p.name, p.lines)),
      client.onNotification(MemoryProgressNotification.type, (p) => this.progressEmitter.fire(p)),
      client.onDidChangeState((e) => {
        if (e.newState === State.Running) void this.afterStart();
      }),
    );
    this.model.setHelperStatus({ kind: 'starting' });
    await client.start();
  }

  private async afterStart(): Promise<void> {
    this.model.setHelperStatus({ kind: 'running' });
    this.startedEmitter.fire();
    try {
      this.model.setSnapshot(await this.request0(SnapshotRequest.type));
    } catch (err) {
      this.output.warn(`first snapshot failed: ${WardenError.from(err).message}`);
    }
  }

  private onClosed() {
    if (this.stopping) return { action: CloseAction.DoNotRestart, handled: true };
    const now = Date.now();
    // Only crashes inside the window count; older ones are dropped, so this array stays at most HELPER_MAX_RESTARTS long.
    while (this.crashTimes.length && now - this.crashTimes[0]! > HELPER_RESTART_WINDOW_MS) this.crashTimes.shift();
    if (this.crashTimes.length >= HELPER_MAX_RESTARTS) {
      const message =
        `MCP Warden's helper stopped ${HELPER_MAX_RESTARTS + 1} times within ${HELPER_RESTART_WINDOW_MS / 60_000} minutes; ` +
        'it will not be restarted. Servers it supervised were stopped by it or will be reaped at the next start. See the "MCP Warden" output, then run "MCP Warden: Restart Helper".';
      this.model.setHelperStatus({ kind: 'failed', message });
      void vscode.window.showErrorMessage(message, 'Show Output', 'Restart Helper').then((b) => {
        if (b === 'Show Output') this.output.show();
        else if (b === 'Restart Helper') void vscode.commands.executeCommand('mcpWarden.restartHelper');
      });
      return { action: CloseAction.DoNotRestart, handled: true };
    }
    this.crashTimes.push(now);
    this.model.setHelperStatus({ kind: 'restarting', message: `MCP Warden's helper stopped unexpectedly; restarting (${this.crashTimes.length} of ${HELPER_MAX_RESTARTS})` });
    this.output.warn(`helper connection closed; restart ${this.crashTimes.length}/${HELPER_MAX_RESTARTS}`);
    return { action: CloseAction.Restart, handled: true };
  }

  /** "Restart Helper": a fresh start with a fresh restart budget, e.g. after the helper was given up on. */
  async restart(): Promise<void> {
    const client = this.client;
    if (!client) throw new WardenError('HELPER_UNAVAILABLE', 'MCP Warden\'s helper was never started (see the "MCP Warden" output); reload the window.');
    if (this.shutdownPromise) throw new WardenError('HELPER_UNAVAILABLE', 'MCP Warden is shutting down.');
    this.crashTimes.length = 0;
    this.model.setHelperStatus({ kind: 'starting' });
    if (client.state === State.Stopped) await client.start();
    else await client.restart();
  }

  private ready(): LanguageClient {
    if (!this.client || this.client.state !== State.Running) {
      throw new WardenError('HELPER_UNAVAILABLE', 'MCP Warden\'s helper is not running. Check the "MCP Warden" output, or run "Developer: Reload Window".');
    }
    return this.client;
  }

  /** Sends a request; any failure comes back as a WardenError with its code. */
  async request<P, R>(type: RequestType<P, R, void>, params: P, token?: vscode.CancellationToken): Promise<R> {
    const client = this.ready();
    try {
      return (await client.sendRequest(type as RequestType<P, R, void>, params as never, token)) as R;
    } catch (err) {
      throw WardenError.from(err);
    }
  }

  async request0<R>(type: RequestType0<R, void>, token?: vscode.CancellationToken): Promise<R> {
    const client = this.ready();
    try {
      return await client.sendRequest(type, token);
    } catch (err) {
      throw WardenError.from(err);
    }
  }

  /** Window close: ask the helper to stop every server (bounded wait), then stop the client. Idempotent. */
  shutdown(reason: string, timeoutMs = 5000): Promise<void> {
    this.shutdownPromise ??= this.doShutdown(reason, timeoutMs);
    return this.shutdownPromise;
  }

  private async doShutdown(reason: string, timeoutMs: number): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.stopping = true;
    if (client.state === State.Running) {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          client.sendRequest(ShutdownRequest.type, { reason }),
          new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs))),
        ]);
      } catch (err) {
        this.output.warn(`shutdown request failed: ${WardenError.from(err).message}`);
      } finally {
        clearTimeout(timer);
      }
    }
    try {
      await client.stop(2000);
    } catch {
      // The helper exits on its own when the IPC channel closes; a failed stop handshake loses nothing.
    }
  }

  /** Whichever runs first (deactivate or disposal of the subscriptions) shuts the helper down; the other waits on the same promise. */
  dispose(): void {
    void this.shutdown('extension host stopping').finally(() => {
      for (const d of this.subscriptions.splice(0)) d.dispose();
      this.startedEmitter.dispose();
      this.progressEmitter.dispose();
      this.client = undefined;
    });
  }
}
