// One output channel per server, created when first shown: seeded from the helper's stderr ring, then fed live, bounded.
import * as vscode from 'vscode';
import { BoundedMap, RingBuffer } from '../shared/bounded';
import { WardenError } from '../shared/errors';
import { LogsRequest } from '../shared/protocol';
import type { HelperClient } from './helperClient';
import type { WardenModel } from './model';

/** Lines kept per channel; past this the channel is rewritten from the ring so it cannot grow without bound. */
const MAX_LINES = 2000;
const MAX_CHANNELS = 32;

interface LogChannel {
  channel: vscode.OutputChannel;
  ring: RingBuffer<string>;
  appendedSinceReplace: number;
  loading: boolean;
}

export class ServerLogs implements vscode.Disposable {
  private readonly channels = new BoundedMap<string, LogChannel>(MAX_CHANNELS, (_name, c) => c.channel.dispose());
  private readonly subscription: { dispose(): void };

  constructor(
    private readonly client: HelperClient,
    model: WardenModel,
  ) {
    this.subscription = model.onStderr(({ name, lines }) => {
      const c = this.channels.get(name);
      // The ring in the helper keeps these lines; the LogsRequest on first show fetches them.
      if (!c || c.loading) return;
      this.append(c, lines);
    });
  }

  async show(name: string): Promise<void> {
    let c = this.channels.get(name);
    if (!c) {
      c = { channel: vscode.window.createOutputChannel(`MCP Warden: ${name}`), ring: new RingBuffer(MAX_LINES), appendedSinceReplace: 0, loading: true };
      this.channels.set(name, c);
      c.channel.show(true);
      try {
        const { lines } = await this.client.request(LogsRequest.type, { name, maxLines: MAX_LINES });
        this.append(c, lines.length ? lines : [`(no stderr output from ${name} yet)`]);
      } catch (err) {
        this.append(c, [`(could not fetch earlier lines: ${WardenError.from(err).message})`]);
      } finally {
        c.loading = false;
      }
      return;
    }
    c.channel.show(true);
  }

  private append(c: LogChannel, lines: string[]): void {
    for (const l of lines) c.ring.push(l);
    c.appendedSinceReplace += lines.length;
    if (c.appendedSinceReplace > MAX_LINES) {
      c.channel.replace(c.ring.toArray().join('\n') + '\n');
      c.appendedSinceReplace = 0;
    } else if (lines.length) {
      c.channel.append(lines.join('\n') + '\n');
    }
  }

  dispose(): void {
    this.subscription.dispose();
    for (const c of this.channels.values()) c.channel.dispose();
    this.channels.clear();
  }
}
