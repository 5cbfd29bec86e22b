// Starts test/fixtures/servers/http-server.mjs (a Streamable HTTP MCP server on a unix socket and 127.0.0.1) and stops it by pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturesDir, node24 } from './codeServer';
import { pollUntil, sleep } from '../../support/procfs';

export interface HttpRequestRecord {
  via: 'unix' | 'tcp';
  method: string;
  url: string;
  authorized: boolean;
  session: string | null;
}

export class HttpFixture {
  readonly dir = mkdtempSync(join(tmpdir(), 'mcp-warden-http-'));
  /** Short on purpose: a unix socket path is limited to 107 bytes. */
  readonly socketPath = join(this.dir, 'engine.sock');
  readonly token = `tok-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
  port = 0;
  proc: ChildProcess | undefined;
  private readonly logFile = join(this.dir, 'requests.jsonl');

  static async start(names: string[]): Promise<HttpFixture> {
    const f = new HttpFixture();
    const portFile = join(f.dir, 'port');
    f.proc = spawn(node24, [join(fixturesDir, 'http-server.mjs')], {
      env: { ...process.env, HTTP_SOCKET: f.socketPath, HTTP_PORT_FILE: portFile, HTTP_TOKEN: f.token, HTTP_REQUEST_LOG: f.logFile, HTTP_NAMES: names.join(',') },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    f.proc.stderr!.on('data', (d) => { stderr = (stderr + String(d)).slice(-4000); });
    const ready = await pollUntil(() => existsSync(portFile) && readFileSync(portFile, 'utf8').length > 0, 20_000, 50);
    if (!ready) {
      await f.dispose();
      throw new Error(`the HTTP fixture did not start: ${stderr}`);
    }
    f.port = Number(readFileSync(portFile, 'utf8'));
    return f;
  }

  /** `unix:///abs/engine.sock#/mcp/NAME`: the form VS Code's extension host turns into an undici socketPath dispatcher. */
  unixUri(name: string): string {
    return `unix://${this.socketPath}#/mcp/${encodeURIComponent(name)}`;
  }

  tcpUrl(name: string): string {
    return `http://127.0.0.1:${this.port}/mcp/${encodeURIComponent(name)}`;
  }

  requests(): HttpRequestRecord[] {
    if (!existsSync(this.logFile)) return [];
    return readFileSync(this.logFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as HttpRequestRecord);
  }

  async dispose(): Promise<void> {
    const p = this.proc;
    if (p && p.exitCode === null && p.signalCode === null) {
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await Promise.race([exited, sleep(3000)]);
      if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
