// Logs a person can read: one timestamped line per helper event in the main "MCP Warden" channel and in the server's own
// "MCP Warden: <name>" channel (LogOutputChannel, so levels and the user's log level apply), and each server's stderr in its channel.
import * as vscode from 'vscode';
import { BoundedMap } from '../shared/bounded';
import { WardenError } from '../shared/errors';
import { LogsRequest } from '../shared/protocol';
import type { HelperClient } from './helperClient';
import type { WardenModel } from './model';
import { eventLogLine, type LogLevel } from './present/eventLog';

/** Lines written to one server channel before it is cleared (the helper's own stderr ring keeps the newest lines). */
export const MAX_LINES_PER_CHANNEL = 5000;
export const MAX_CHANNELS = 32;
/** Event lines that arrive while a channel is being seeded wait here; bounded. */
const MAX_QUEUED = 200;

interface ServerChannel {
  channel: vscode.LogOutputChannel;
  lines: number;
  /** While the helper's stderr ring is fetched: live stderr is already in that ring, events are queued. */
  loading: boolean;
  queued: { level: LogLevel; text: string }[];
}

function write(channel: vscode.LogOutputChannel, level: LogLevel, text: string): void {
  channel[level](text);
}

export class ServerLogs implements vscode.Disposable {
  private readonly channels = new BoundedMap<string, ServerChannel>(MAX_CHANNELS, (_name, c) => c.channel.dispose());
  private readonly subscriptions: { dispose(): void }[] = [];

  constructor(
    private readonly client: HelperClient,
    model: WardenModel,
    private readonly main: vscode.LogOutputChannel,
  ) {
    this.subscriptions.push(
      model.onStderr(({ name, lines }) => {
        const c = this.channelFor(name);
        if (c.loading) return;
        for (const l of lines) this.writeLine(name, c, 'info', `[stderr] ${l}`);
      }),
      model.onEvent((e) => {
        const line = eventLogLine(e);
        if (!line) return;
        write(this.main, line.level, line.server ? `[${line.server}] ${line.text}` : line.text);
        if (!line.server) return;
        const c = this.channelFor(line.server);
        if (c.loading) {
          if (c.queued.length < MAX_QUEUED) c.queued.push({ level: line.level, text: line.text });
          return;
        }
        this.writeLine(line.server, c, line.level, line.text);
      }),
    );
  }

  /** The server's channel, created (and seeded from the helper's stderr ring) on first use. */
  private channelFor(name: string): ServerChannel {
    let c = this.channels.get(name);
    if (c) return c;
    c = { channel: vscode.window.createOutputChannel(`MCP Warden: ${name}`, { log: true }), lines: 0, loading: true, queued: [] };
    this.channels.set(name, c);
    void this.seed(name, c);
    return c;
  }

  private async seed(name: string, c: ServerChannel): Promise<void> {
    try {
      const { lines } = await this.client.request(LogsRequest.type, { name, maxLines: 500 });
      if (lines.length) {
        this.writeLine(name, c, 'info', `earlier stderr kept by the helper (${lines.length} lines):`);
        for (const l of lines) this.writeLine(name, c, 'info', `[stderr] ${l}`);
      }
    } catch (err) {
      this.writeLine(name, c, 'debug', `could not fetch earlier stderr: ${WardenError.from(err).message}`);
    } finally {
      c.loading = false;
      for (const q of c.queued.splice(0)) this.writeLine(name, c, q.level, q.text);
    }
  }

  private writeLine(name: string, c: ServerChannel, level: LogLevel, text: string): void {
    if (c.lines >= MAX_LINES_PER_CHANNEL) {
      // Bounded: a chatty server cannot grow the editor's log file without end.
      c.channel.clear();
      c.lines = 0;
      write(c.channel, 'info', `(earlier lines cleared after ${MAX_LINES_PER_CHANNEL}; the helper keeps ${name}'s newest stderr lines)`);
    }
    c.lines++;
    write(c.channel, level, text);
  }

  show(name: string): void {
    this.channelFor(name).channel.show(true);
  }

  dispose(): void {
    for (const s of this.subscriptions.splice(0)) s.dispose();
    for (const c of this.channels.values()) c.channel.dispose();
    this.channels.clear();
  }
}
