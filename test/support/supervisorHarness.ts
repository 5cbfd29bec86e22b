// Builds a real Supervisor (real /proc table, real registry in a temp state dir) for integration tests.
import type { WardenSettings } from '../../src/shared/config';
import type { WardenEvent } from '../../src/shared/protocol';
import { selectContainment } from '../../src/helper/containment/select';
import type { ContainmentBackend } from '../../src/helper/containment/types';
import { PidRegistry } from '../../src/helper/registry/pidRegistry';
import { createProcessTable } from '../../src/helper/sampling/processTable';
import { Supervisor } from '../../src/helper/supervisor/supervisor';
import { collectDescendants } from '../../src/helper/sampling/processTree';
import { isAlive, killAll, readProc, waitFor } from './procfs';
import { tempDir, writeConfig } from './fixtures';

export interface Harness {
  supervisor: Supervisor;
  containment: ContainmentBackend;
  events: WardenEvent[];
  stateDir: string;
  configure(servers: Record<string, unknown>, warden?: Partial<WardenSettings>): Promise<void>;
  waitState(name: string, state: string, timeoutMs?: number): Promise<void>;
  waitEvent(pred: (e: WardenEvent) => boolean, what: string, timeoutMs?: number): Promise<WardenEvent>;
  /** Every pid of this server's tree right now, from the OS table. */
  treePids(name: string): Promise<number[]>;
  close(): Promise<void>;
}

/** `containment`: a forced backend kind (as MCP_WARDEN_CONTAINMENT takes), else the engine's own choice. */
export async function createHarness(label: string, settings: Partial<WardenSettings> = {}, handshakeTimeoutMs?: number, containment?: string): Promise<Harness> {
  const stateDir = tempDir(label);
  const table = createProcessTable();
  const registry = await PidRegistry.open(stateDir, table);
  const backend: ContainmentBackend = selectContainment({ engineTag: `${registry.owner.pid}-${registry.owner.startTime}`, force: containment });
  const supervisor = new Supervisor({ table, registry, containment: backend, settings: { sampleIntervalMs: 200, ...settings }, handshakeTimeoutMs, stateDir });
  const events: WardenEvent[] = [];
  supervisor.onEvent((e) => {
    events.push(e);
    if (events.length > 1000) events.shift();
  });
  // Identities, not pids: over a long test (the soak) on a busy machine pids wrap (pid_max 32768 here), and a pid seen
  // once under one of our servers may name another developer's process at the end. Only the same process is a leak.
  const seen = new Map<number, number>();
  const see = (pid: number) => {
    if (seen.has(pid)) return;
    const startTicks = readProc(pid)?.startTicks;
    if (startTicks !== undefined) seen.set(pid, startTicks);
  };
  supervisor.onSnapshot((s) => {
    for (const srv of s.servers) for (const p of srv.processes) see(p.pid);
  });
  const h: Harness = {
    supervisor,
    containment: backend,
    events,
    stateDir,
    async configure(servers, warden) {
      const path = writeConfig(stateDir, { servers, ...(warden ? { warden } : {}) });
      await supervisor.configure({ files: [{ path, origin: 'cli', trusted: true }], autoStart: true });
    },
    async waitState(name, state, timeoutMs = 20_000) {
      await waitFor(`${name} to be ${state}`, () => supervisor.snapshot().servers.find((s) => s.name === name)?.state === state, timeoutMs);
    },
    async waitEvent(pred, what, timeoutMs = 20_000) {
      return waitFor(what, () => events.find(pred), timeoutMs);
    },
    async treePids(name) {
      const m = supervisor.managed(name);
      if (!m?.root) return [];
      const snap = await table.read();
      const pids = collectDescendants(snap, m.root.pid, m.tracked.values()).map((e) => e.pid);
      if (snap.has(m.root.pid)) pids.push(m.root.pid);
      for (const p of pids) see(p);
      return pids;
    },
    async close() {
      await supervisor.shutdown('test done');
      supervisor.dispose();
      registry.dispose();
      backend.dispose();
      // Anything we ever saw that is still alive is a leak: kill it so the machine stays clean, and report it.
      const leaked = [...seen].filter(([pid, startTicks]) => isAlive({ pid, startTicks })).map(([pid]) => pid);
      const described = leaked.map((p) => { const i = readProc(p); return `${p} (ppid ${i?.ppid}, ${i?.cmdline.slice(0, 80)})`; });
      killAll(leaked);
      if (leaked.length) throw new Error(`processes survived the test: ${described.join(', ')}`);
    },
  };
  return h;
}
