// Shared bench helpers: medians/percentiles, the CPU calibration, the results file, and process bookkeeping.
import { hash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../test/support/fixtures';

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

export const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

/**
 * A fixed CPU-only workload (SHA-256 of 200k short strings; ~75-90 ms when the machine is quiet), timed beside a
 * figure: this shared machine's speed drifts by up to ~1.8x within minutes, and this says how fast it was then.
 */
export function cpuCalibrationMs(): number {
  const t0 = performance.now();
  let n = 0;
  for (let i = 0; i < 200_000; i++) n += hash('sha256', `calibration ${i}`, 'hex').length;
  if (n === 0) throw new Error('unreachable');
  return round(performance.now() - t0, 0);
}

export function writeResults(name: string, result: unknown): void {
  const dir = join(repoRoot, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  writeFileSync(file, `${JSON.stringify({ name, at: new Date().toISOString(), node: process.versions.node, ...(result as object) }, null, 2)}\n`);
  console.log(`results written to ${file}`);
}
