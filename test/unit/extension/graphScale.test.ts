// Unit tests: the resource graph's ticks, units, gaps and hover lookup (media/graphScale.js, as the webview runs it).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const g = require('../../../media/graphScale.js') as {
  byteTicks(max: number, target?: number): { max: number; ticks: { value: number; label: string }[] };
  countTicks(max: number): { max: number; ticks: { value: number; label: string }[] };
  timeTicks(t0: number, t1: number, target?: number): { t: number; label: string }[];
  segments(points: { t: number }[], gapMs: number): { t: number }[][];
  nearest(points: { t: number }[], t: number, tol: number): { t: number } | null;
};
const MiB = 1024 * 1024;

describe('resource graph scale', () => {
  it('puts memory ticks on round values with units, not 63/126/189 MB', () => {
    const { max, ticks } = g.byteTicks(252 * MiB);
    assert.deepEqual(ticks.map((t) => t.label), ['0', '100 MB', '200 MB', '300 MB']);
    assert.equal(max, 300 * MiB);
    assert.deepEqual(g.byteTicks(1.3 * 1024 * MiB).ticks.map((t) => t.label), ['0', '0.5 GB', '1 GB', '1.5 GB']);
  });
  it('counts children in whole numbers', () => {
    assert.deepEqual(g.countTicks(3).ticks.map((t) => t.label), ['0', '1', '2', '3']);
    assert.deepEqual(g.countTicks(0).ticks.map((t) => t.label), ['0', '1']);
  });
  it('labels time on round clock times', () => {
    const t0 = new Date(2026, 0, 1, 10, 0, 3).getTime();
    assert.deepEqual(g.timeTicks(t0, t0 + 60_000, 6).map((t) => t.label), ['10:00:10', '10:00:20', '10:00:30', '10:00:40', '10:00:50', '10:01:00']);
    assert.deepEqual(g.timeTicks(t0, t0 + 60_000, 4).map((t) => t.label), ['10:00:15', '10:00:30', '10:00:45', '10:01:00']);
    assert.deepEqual(g.timeTicks(t0, t0 + 3600_000, 6).map((t) => t.label).slice(0, 2), ['10:10', '10:20']);
  });
  it('breaks a series where the server was down', () => {
    const pts = [0, 500, 1000, 9000, 9500].map((t) => ({ t }));
    assert.deepEqual(g.segments(pts, 1500).map((s) => s.length), [3, 2]);
  });
  it('finds the value under the pointer only near a sample', () => {
    const pts = [0, 1000, 2000].map((t) => ({ t }));
    assert.deepEqual(g.nearest(pts, 1200, 600), { t: 1000 });
    assert.equal(g.nearest(pts, 5000, 600), null);
  });
});
