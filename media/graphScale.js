// Resource graph arithmetic (no DOM): nice axis ticks with units, time ticks, splitting a series where a server was
// down, byte formatting. Loaded by the webview as a plain script and by the unit tests as a CommonJS module.
(function (root) {
  'use strict';
  const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

  function formatBytes(b) {
    if (!Number.isFinite(b) || b < 0) return '—';
    let v = b;
    let u = 0;
    while (v >= 1024 && u < UNITS.length - 1) {
      v /= 1024;
      u++;
    }
    return (u === 0 || v >= 100 ? v.toFixed(0) : v.toFixed(1)).replace(/\.0$/, '') + ' ' + UNITS[u];
  }

  /** The step among 1, 2, 5 × 10^k nearest above raw. */
  function niceStep(raw) {
    if (!(raw > 0)) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(raw)));
    const f = raw / p;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
  }

  /**
   * Ticks from 0 to at least maxBytes in a binary unit (KB, MB, GB) with a 1/2/5 step: 0, 50 MB, 100 MB, …
   * Returns { max, ticks: [{ value, label }] }.
   */
  function byteTicks(maxBytes, target) {
    const want = target || 4;
    const m = Math.max(maxBytes, 1024);
    let u = 0;
    while (u < UNITS.length - 1 && m / Math.pow(1024, u + 1) >= 1) u++;
    const unit = Math.pow(1024, u);
    const step = niceStep(m / unit / want) * unit;
    const max = Math.ceil(m / step) * step;
    const ticks = [];
    for (let v = 0; v <= max + step / 2; v += step) ticks.push({ value: v, label: v === 0 ? '0' : trim(v / unit) + ' ' + UNITS[u] });
    return { max, ticks };
  }

  function trim(x) {
    return String(Math.round(x * 100) / 100);
  }

  /** Whole-number ticks for counts: 0, 1, 2 … or 0, 5, 10 … */
  function countTicks(maxCount, target) {
    const want = target || 4;
    const step = Math.max(1, niceStep(Math.max(maxCount, 1) / want));
    const max = Math.max(step, Math.ceil(Math.max(maxCount, 1) / step) * step);
    const ticks = [];
    for (let v = 0; v <= max; v += step) ticks.push({ value: v, label: String(v) });
    return { max, ticks };
  }

  const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200].map((s) => s * 1000);

  /** Time ticks on round clock times, about `target` of them over [t0, t1]. */
  function timeTicks(t0, t1, target) {
    const want = target || 6;
    const span = Math.max(1000, t1 - t0);
    const step = TIME_STEPS.find((s) => span / s <= want) || TIME_STEPS[TIME_STEPS.length - 1];
    const ticks = [];
    for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) ticks.push({ t, label: clock(t, step < 60_000) });
    return ticks;
  }

  function clock(t, seconds) {
    const d = new Date(t);
    const pad = (n) => String(n).padStart(2, '0');
    return pad(d.getHours()) + ':' + pad(d.getMinutes()) + (seconds ? ':' + pad(d.getSeconds()) : '');
  }

  /** Runs of points with no gap longer than gapMs: a server that was down is not drawn across its downtime. */
  function segments(points, gapMs) {
    const out = [];
    let cur = [];
    for (const p of points) {
      const last = cur[cur.length - 1];
      if (last && p.t - last.t > gapMs) {
        out.push(cur);
        cur = [];
      }
      cur.push(p);
    }
    if (cur.length) out.push(cur);
    return out;
  }

  /** The point of a series nearest to t, if one lies within toleranceMs. */
  function nearest(points, t, toleranceMs) {
    let best = null;
    for (const p of points) if (!best || Math.abs(p.t - t) < Math.abs(best.t - t)) best = p;
    return best && Math.abs(best.t - t) <= toleranceMs ? best : null;
  }

  const api = { formatBytes, niceStep, byteTicks, countTicks, timeTicks, segments, nearest, clock };
  if (typeof module === 'object' && module.exports) module.exports = api;
  else root.graphScale = api;
})(typeof globalThis !== 'undefined' ? globalThis : this);
