// Soak: 1,000 start/stop cycles through the supervisor leave its heap, the process's handles and every
// internal collection flat, and no process behind.
import { strict as assert } from 'node:assert';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { after, it } from 'node:test';
import { fixtureServer } from '../../support/fixtures';
import { createHarness, type Harness } from '../../support/supervisorHarness';
import { isRunning } from '../../support/procfs';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const CYCLES = Number(process.env.SOAK_CYCLES ?? 1000);

let h: Harness;
after(async () => h && (await h.close()));

function measure() {
  for (let i = 0; i < 3; i++) gc();
  return { heap: process.memoryUsage().heapUsed, handles: process.getActiveResourcesInfo().length };
}

it(`${CYCLES} start/stop cycles leave heap, handles and maps flat and zero processes`, { timeout: 600_000 }, async () => {
  h = await createHarness('soak', { sampleIntervalMs: 100 });
  await h.configure({ tiny: fixtureServer('tiny', {}, { shutdownGraceMs: 1000 }) });
  await h.waitState('tiny', 'running');
  await h.supervisor.stop('tiny');
  const warm = 100;
  let baseline: ReturnType<typeof measure> | undefined;
  let baseSizes: Record<string, number> | undefined;
  const pids: number[] = [];
  for (let i = 0; i < CYCLES; i++) {
    const s = await h.supervisor.start('tiny');
    if (i % 50 === 0) pids.push(s.pid!);
    const r = await h.supervisor.callTool({ name: 'tiny', tool: 'ping' });
    assert.equal((r.content[0] as { text: string }).text, 'pong');
    const stop = await h.supervisor.stop('tiny');
    assert.deepEqual(stop.survivors, []);
    if (i === warm) {
      baseline = measure();
      baseSizes = h.supervisor.internalSizes();
    }
  }
  const end = measure();
  const sizes = h.supervisor.internalSizes();
  const growthMB = (end.heap - baseline!.heap) / 1024 / 1024;
  console.log(`soak: heap ${(baseline!.heap / 1048576).toFixed(1)} MB after ${warm} cycles, ${(end.heap / 1048576).toFixed(1)} MB after ${CYCLES} (${growthMB.toFixed(2)} MB); handles ${baseline!.handles} → ${end.handles}`);
  assert.ok(growthMB < 3, `heap grew by ${growthMB.toFixed(2)} MB over ${CYCLES - warm} cycles`);
  assert.ok(end.handles <= baseline!.handles + 2, `handles grew from ${baseline!.handles} to ${end.handles}`);
  assert.deepEqual(sizes, baseSizes);
  for (const p of pids) assert.equal(isRunning(p), false);
  assert.equal(h.supervisor.managed('tiny')!.history.size <= 300, true);
});
