// Resource graph page: a bounded series per server, drawn on two canvases (memory, child processes) with opaque theme
// chart colours, gaps where a server was down, its limit and warn lines, restart/cap markers, round ticks with units,
// values under the pointer, and a legend (plus a text summary for screen readers) from the latest snapshot.
(function () {
  'use strict';
  const vscode = acquireVsCodeApi();
  const G = window.graphScale;
  const maxPoints = Number(document.body.dataset.maxPoints) || 600;
  const PALETTE = ['--vscode-charts-blue', '--vscode-charts-orange', '--vscode-charts-green', '--vscode-charts-purple', '--vscode-charts-yellow', '--vscode-charts-red'];
  const FALLBACK = ['#3794ff', '#d18616', '#89d185', '#b180d7', '#cca700', '#f14c4c'];
  const MAX_SERVERS = 200;
  const MAX_MARKERS = 400;
  /** name -> { points: [{t, rssBytes, children}], color, dash } */
  const series = new Map();
  /** name -> { state, rssBytes, children, limitBytes, warnBytes } from the latest snapshot (what the tree shows). */
  let latest = new Map();
  let markers = [];
  let intervalMs = 2000;
  let drawQueued = false;
  let pointerX = null;
  const layout = { left: 64, right: 12, top: 12, bottom: 26 };

  /** A theme colour made opaque (a theme may give charts colours with alpha; a faint line reads as disabled). */
  function opaque(color) {
    const ctx = document.createElement('canvas').getContext('2d');
    ctx.fillStyle = '#000';
    ctx.fillStyle = color;
    const c = ctx.fillStyle;
    const m = /^rgba\((\d+),\s*(\d+),\s*(\d+),\s*[\d.]+\)$/.exec(c);
    return m ? `rgb(${m[1]}, ${m[2]}, ${m[3]})` : c;
  }

  function colorAt(i) {
    const css = getComputedStyle(document.body).getPropertyValue(PALETTE[i % PALETTE.length]).trim();
    return opaque(css || FALLBACK[i % FALLBACK.length]);
  }

  /** Colours follow the servers' sorted order (as the tree lists them), so a server keeps its colour. */
  function recolor() {
    [...series.keys()].sort((a, b) => a.localeCompare(b)).forEach((name, i) => {
      const s = series.get(name);
      s.color = colorAt(i);
      // Past the palette, a dash pattern tells repeated colours apart.
      s.dash = i >= PALETTE.length ? [6, 3] : [];
    });
  }

  function seriesFor(name) {
    let s = series.get(name);
    if (!s) {
      if (series.size >= MAX_SERVERS) return null;
      s = { points: [], color: '#888', dash: [] };
      series.set(name, s);
      recolor();
    }
    return s;
  }

  function push(s, p) {
    const last = s.points[s.points.length - 1];
    if (last && p.t <= last.t) return;
    s.points.push(p);
    if (s.points.length > maxPoints) s.points.splice(0, s.points.length - maxPoints);
  }

  function gapMs() {
    return Math.max(3 * intervalMs, 3000);
  }

  function cssVar(name, fallback) {
    return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
  }

  function timeRange() {
    let t0 = Infinity, t1 = -Infinity;
    for (const s of series.values()) for (const p of s.points) {
      if (p.t < t0) t0 = p.t;
      if (p.t > t1) t1 = p.t;
    }
    if (!Number.isFinite(t0)) return null;
    if (t1 - t0 < 10_000) t0 = t1 - 10_000;
    return { t0, t1 };
  }

  function draw(canvasId, key) {
    const canvas = document.getElementById(canvasId);
    const dpr = window.devicePixelRatio || 1;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    const ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const fg = cssVar('--vscode-descriptionForeground', '#888');
    const grid = cssVar('--vscode-editorWidget-border', 'rgba(128,128,128,0.35)');
    ctx.font = '11px ' + cssVar('--vscode-font-family', 'sans-serif');
    const range = timeRange();
    const { left, right, top, bottom } = layout;
    const plotW = width - left - right;
    const plotH = height - top - bottom;
    if (!range) {
      ctx.fillStyle = fg;
      ctx.fillText('No samples yet.', left + 10, top + 20);
      return null;
    }
    const isBytes = key === 'rssBytes';
    let vMax = 0;
    for (const s of series.values()) for (const p of s.points) if (p[key] > vMax) vMax = p[key];
    // Limit lines are part of the scale when they are within 8× of the data; further off they would flatten it.
    const limits = [];
    if (isBytes) {
      for (const [name, l] of latest) {
        const s = series.get(name);
        if (!s || !l.limitBytes) continue;
        const seriesMax = Math.max(0, ...s.points.map((p) => p.rssBytes));
        const near = l.limitBytes <= 8 * Math.max(seriesMax, vMax * 0.25);
        limits.push({ name, color: s.color, limit: l.limitBytes, warn: l.warnBytes, near });
        if (near) vMax = Math.max(vMax, l.limitBytes);
      }
    }
    const scale = isBytes ? G.byteTicks(vMax * 1.05) : G.countTicks(vMax);
    const x = (t) => left + ((t - range.t0) / (range.t1 - range.t0)) * plotW;
    const y = (v) => top + plotH - (v / scale.max) * plotH;
    // Grid and axes.
    ctx.strokeStyle = grid;
    ctx.fillStyle = fg;
    ctx.lineWidth = 1;
    for (const tick of scale.ticks) {
      const yy = Math.round(y(tick.value)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(left, yy);
      ctx.lineTo(width - right, yy);
      ctx.stroke();
      ctx.fillText(tick.label, left - 8 - ctx.measureText(tick.label).width, yy + 4);
    }
    for (const tick of G.timeTicks(range.t0, range.t1, Math.max(2, Math.floor(plotW / 90)))) {
      const xx = Math.round(x(tick.t)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(xx, top);
      ctx.lineTo(xx, top + plotH);
      ctx.stroke();
      ctx.fillText(tick.label, xx - ctx.measureText(tick.label).width / 2, height - 8);
    }
    // Limit (dashed) and warn (dotted) lines.
    for (const l of limits.filter((x) => x.near)) {
      ctx.strokeStyle = l.color;
      ctx.lineWidth = 1;
      // Thinner and lighter than the series, so a line near its limit stays readable.
      ctx.globalAlpha = 0.75;
      for (const [value, dash, label] of [[l.limit, [6, 4], 'limit'], [l.warn, [2, 3], 'warn']]) {
        if (!value) continue;
        ctx.setLineDash(dash);
        ctx.beginPath();
        ctx.moveTo(left, y(value));
        ctx.lineTo(width - right, y(value));
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = l.color;
        const text = l.name + ' ' + label + ' ' + G.formatBytes(value);
        ctx.fillText(text, width - right - ctx.measureText(text).width - 2, y(value) - 3);
      }
      ctx.globalAlpha = 1;
    }
    // Series, broken where a server was down.
    ctx.lineWidth = 2;
    ctx.globalAlpha = 1;
    for (const s of series.values()) {
      ctx.strokeStyle = s.color;
      ctx.setLineDash(s.dash);
      for (const seg of G.segments(s.points, gapMs())) {
        ctx.beginPath();
        seg.forEach((p, i) => (i ? ctx.lineTo(x(p.t), y(p[key])) : ctx.moveTo(x(p.t), y(p[key]))));
        if (seg.length === 1) ctx.arc(x(seg[0].t), y(seg[0][key]), 1.5, 0, Math.PI * 2);
        ctx.stroke();
      }
    }
    ctx.setLineDash([]);
    // Markers: restarts (↻) and caps (▲) at the top of the plot, in the server's colour.
    for (const m of markers) {
      if (m.t < range.t0 || m.t > range.t1) continue;
      const s = series.get(m.name);
      const xx = x(m.t);
      ctx.strokeStyle = s ? s.color : fg;
      ctx.fillStyle = s ? s.color : fg;
      ctx.setLineDash([1, 3]);
      ctx.beginPath();
      ctx.moveTo(xx, top);
      ctx.lineTo(xx, top + plotH);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillText(m.kind === 'restart' ? '↻' : m.kind === 'failed' ? '✕' : '▲', xx - 4, top + 10);
    }
    // Crosshair.
    if (pointerX !== null && pointerX >= left && pointerX <= width - right) {
      ctx.strokeStyle = fg;
      ctx.beginPath();
      ctx.moveTo(pointerX + 0.5, top);
      ctx.lineTo(pointerX + 0.5, top + plotH);
      ctx.stroke();
    }
    return { range, plotW, limits };
  }

  function legendText(name) {
    const l = latest.get(name);
    if (!l) return name + ' — not sampled';
    const live = l.state === 'running' || l.state === 'starting' || l.state === 'stopping';
    return name + ' — ' + l.state + (live ? ' · ' + G.formatBytes(l.rssBytes) + ' · ' + l.children + (l.children === 1 ? ' child' : ' children') : '');
  }

  function renderLegend() {
    const legend = document.getElementById('legend');
    legend.textContent = '';
    const names = [...new Set([...latest.keys(), ...series.keys()])].sort((a, b) => a.localeCompare(b));
    for (const name of names) {
      const s = series.get(name);
      const item = document.createElement('div');
      item.className = 'legend-item' + (latest.get(name) && !['running', 'starting', 'stopping'].includes(latest.get(name).state) ? ' idle' : '');
      item.setAttribute('role', 'listitem');
      const sw = document.createElement('span');
      sw.className = 'swatch';
      sw.style.background = s ? s.color : 'transparent';
      const label = document.createElement('span');
      label.textContent = legendText(name);
      item.append(sw, label);
      legend.append(item);
    }
  }

  /** What the canvases show, in words (for screen readers, and checked by the end-to-end test). */
  function renderSummary(info) {
    const el = document.getElementById('summary');
    const lines = [];
    for (const [name, s] of [...series].sort((a, b) => a[0].localeCompare(b[0]))) {
      const segs = G.segments(s.points, gapMs()).length;
      const l = latest.get(name);
      const lim = info && info.limits.find((x) => x.name === name);
      const m = markers.filter((x) => x.name === name);
      const parts = [name + ': ' + s.points.length + ' samples in ' + segs + (segs === 1 ? ' run' : ' runs') + (segs > 1 ? ' (' + (segs - 1) + (segs === 2 ? ' gap' : ' gaps') + ' while it was down)' : '')];
      if (lim) parts.push('limit ' + G.formatBytes(lim.limit) + (lim.warn ? ', warn ' + G.formatBytes(lim.warn) : '') + (lim.near ? ' drawn' : ' off scale'));
      if (m.length) parts.push(m.length + ' marker' + (m.length === 1 ? '' : 's') + ' (' + m.map((x) => x.kind).join(', ') + ')');
      if (l) parts.push('now ' + legendText(name).split(' — ')[1]);
      lines.push(parts.join('; '));
    }
    el.textContent = lines.join('. ');
  }

  function showHover(ev) {
    const tip = document.getElementById('hover');
    const canvas = ev.currentTarget;
    const rect = canvas.getBoundingClientRect();
    pointerX = ev.clientX - rect.left;
    const range = timeRange();
    if (!range) return;
    const plotW = rect.width - layout.left - layout.right;
    const t = range.t0 + ((pointerX - layout.left) / plotW) * (range.t1 - range.t0);
    const rows = [];
    for (const [name, s] of [...series].sort((a, b) => a[0].localeCompare(b[0]))) {
      const p = G.nearest(s.points, t, Math.max(intervalMs, 1000));
      if (p) rows.push([s.color, name + ': ' + G.formatBytes(p.rssBytes) + ', ' + p.children + (p.children === 1 ? ' child' : ' children')]);
    }
    for (const m of markers) if (Math.abs(m.t - t) <= Math.max(intervalMs, 1000)) rows.push([null, m.text]);
    tip.textContent = '';
    const head = document.createElement('div');
    head.className = 'hover-time';
    head.textContent = G.clock(t, true);
    tip.append(head);
    for (const [color, text] of rows) {
      const row = document.createElement('div');
      if (color) {
        const sw = document.createElement('span');
        sw.className = 'swatch';
        sw.style.background = color;
        row.append(sw);
      }
      row.append(document.createTextNode(text));
      tip.append(row);
    }
    tip.hidden = rows.length === 0;
    tip.style.left = Math.min(ev.clientX + 14, window.innerWidth - tip.offsetWidth - 8) + 'px';
    tip.style.top = ev.clientY + window.scrollY + 14 + 'px';
    redraw();
  }

  function hideHover() {
    pointerX = null;
    document.getElementById('hover').hidden = true;
    redraw();
  }

  function redraw() {
    if (drawQueued) return;
    drawQueued = true;
    requestAnimationFrame(() => {
      drawQueued = false;
      const info = draw('rss', 'rssBytes');
      draw('children', 'children');
      renderLegend();
      renderSummary(info);
    });
  }

  function setLatest(servers) {
    latest = new Map(servers.map((x) => [x.name, x]));
  }

  window.addEventListener('message', (event) => {
    const m = event.data;
    const status = document.getElementById('status');
    if (m.type === 'history') {
      series.clear();
      intervalMs = m.intervalMs || intervalMs;
      for (const name of Object.keys(m.series).sort()) {
        const s = seriesFor(name);
        // memoryBytes is what the caps judge and the tree shows (RSS where the helper has no better figure).
        if (s) for (const p of m.series[name]) push(s, { t: p.t, rssBytes: p.memoryBytes ?? p.rssBytes, children: p.children });
      }
      markers = (m.markers || []).slice(-MAX_MARKERS);
      setLatest(m.servers || []);
      status.textContent = series.size ? '' : 'No server has been sampled yet.';
      redraw();
    } else if (m.type === 'sample') {
      intervalMs = m.intervalMs || intervalMs;
      setLatest(m.servers);
      // Only live servers get a point: a stopped one leaves a gap rather than a line at zero.
      for (const srv of m.servers) {
        // A server just spawned has no sampled tree yet (0 B): no point, rather than a plunge to zero.
        if ((srv.state !== 'running' && srv.state !== 'starting') || srv.rssBytes <= 0) continue;
        const s = seriesFor(srv.name);
        if (s) push(s, { t: m.t, rssBytes: srv.rssBytes, children: srv.children });
      }
      if (series.size) status.textContent = '';
      redraw();
    } else if (m.type === 'marker') {
      markers.push(m.marker);
      if (markers.length > MAX_MARKERS) markers.splice(0, markers.length - MAX_MARKERS);
      redraw();
    } else if (m.type === 'error') {
      status.textContent = 'Could not load history: ' + m.message;
    }
  });
  for (const id of ['rss', 'children']) {
    const c = document.getElementById(id);
    c.addEventListener('mousemove', showHover);
    c.addEventListener('mouseleave', hideHover);
  }
  window.addEventListener('resize', redraw);
  vscode.postMessage({ type: 'ready' });
})();
