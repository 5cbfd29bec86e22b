// Resource graph page: keeps a bounded series per server and draws RSS and children over time on two canvases.
(function () {
  'use strict';
  const vscode = acquireVsCodeApi();
  const maxPoints = Number(document.body.dataset.maxPoints) || 600;
  const palette = ['--vscode-charts-blue', '--vscode-charts-orange', '--vscode-charts-green', '--vscode-charts-purple', '--vscode-charts-red', '--vscode-charts-yellow'];
  const fallback = ['#3794ff', '#d18616', '#89d185', '#b180d7', '#f14c4c', '#cca700'];
  /** name -> { points: [{t, rssBytes, children}], color } ; bounded to maxPoints per server. */
  const series = new Map();
  const MAX_SERVERS = 200;
  let drawQueued = false;

  function colorFor(index) {
    const css = getComputedStyle(document.body).getPropertyValue(palette[index % palette.length]).trim();
    return css || fallback[index % fallback.length];
  }

  function seriesFor(name) {
    let s = series.get(name);
    if (!s) {
      if (series.size >= MAX_SERVERS) return null;
      s = { points: [], color: colorFor(series.size) };
      series.set(name, s);
    }
    return s;
  }

  function push(s, p) {
    const last = s.points[s.points.length - 1];
    if (last && p.t <= last.t) return;
    s.points.push(p);
    if (s.points.length > maxPoints) s.points.splice(0, s.points.length - maxPoints);
  }

  function formatBytes(b) {
    const units = ['B', 'KB', 'MB', 'GB', 'TB'];
    let v = b;
    let u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return (u === 0 || v >= 100 ? v.toFixed(0) : v.toFixed(1)).replace(/\.0$/, '') + ' ' + units[u];
  }

  function draw(canvasId, key, format, integerTicks) {
    const canvas = document.getElementById(canvasId);
    const dpr = window.devicePixelRatio || 1;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    const ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const fg = getComputedStyle(document.body).getPropertyValue('--vscode-descriptionForeground').trim() || '#888';
    let tMin = Infinity, tMax = -Infinity, vMax = 0;
    for (const s of series.values()) {
      for (const p of s.points) {
        if (p.t < tMin) tMin = p.t;
        if (p.t > tMax) tMax = p.t;
        if (p[key] > vMax) vMax = p[key];
      }
    }
    const left = 70, right = 10, top = 10, bottom = 24;
    ctx.font = '11px sans-serif';
    ctx.fillStyle = fg;
    ctx.strokeStyle = fg;
    ctx.globalAlpha = 0.3;
    ctx.beginPath();
    ctx.moveTo(left, top);
    ctx.lineTo(left, height - bottom);
    ctx.lineTo(width - right, height - bottom);
    ctx.stroke();
    ctx.globalAlpha = 1;
    if (!Number.isFinite(tMin)) {
      ctx.fillText('no samples yet', left + 10, top + 20);
      return;
    }
    if (vMax <= 0) vMax = 1;
    // Counts get whole-number ticks (4 steps of at least 1); bytes get 10% headroom.
    vMax = integerTicks ? Math.max(4, Math.ceil((vMax + 1) / 4) * 4) : vMax * 1.1;
    if (tMax === tMin) tMax = tMin + 1000;
    const x = (t) => left + ((t - tMin) / (tMax - tMin)) * (width - left - right);
    const y = (v) => height - bottom - (v / vMax) * (height - top - bottom);
    for (let i = 0; i <= 4; i++) {
      const v = (vMax * i) / 4;
      ctx.fillText(format(v), 4, y(v) + 4);
    }
    const spanSec = Math.round((tMax - tMin) / 1000);
    ctx.fillText(new Date(tMin).toLocaleTimeString(), left, height - 6);
    const endLabel = new Date(tMax).toLocaleTimeString() + '  (' + spanSec + ' s)';
    ctx.fillText(endLabel, width - right - ctx.measureText(endLabel).width, height - 6);
    ctx.lineWidth = 1.5;
    for (const s of series.values()) {
      if (!s.points.length) continue;
      ctx.strokeStyle = s.color;
      ctx.beginPath();
      s.points.forEach((p, i) => (i ? ctx.lineTo(x(p.t), y(p[key])) : ctx.moveTo(x(p.t), y(p[key]))));
      ctx.stroke();
    }
  }

  function renderLegend() {
    const legend = document.getElementById('legend');
    legend.textContent = '';
    for (const [name, s] of series) {
      const last = s.points[s.points.length - 1];
      const item = document.createElement('div');
      item.className = 'legend-item';
      item.setAttribute('role', 'listitem');
      const sw = document.createElement('span');
      sw.className = 'swatch';
      sw.style.background = s.color;
      const label = document.createElement('span');
      label.textContent = name + (last ? ' — ' + formatBytes(last.rssBytes) + ', ' + last.children + (last.children === 1 ? ' child' : ' children') : '');
      item.append(sw, label);
      legend.append(item);
    }
  }

  function redraw() {
    if (drawQueued) return;
    drawQueued = true;
    requestAnimationFrame(() => {
      drawQueued = false;
      draw('rss', 'rssBytes', formatBytes);
      draw('children', 'children', (v) => String(Math.round(v)), true);
      renderLegend();
    });
  }

  window.addEventListener('message', (event) => {
    const m = event.data;
    const status = document.getElementById('status');
    if (m.type === 'history') {
      series.clear();
      for (const name of Object.keys(m.series).sort()) {
        const s = seriesFor(name);
        if (s) for (const p of m.series[name]) push(s, p);
      }
      status.textContent = series.size ? '' : 'No server has been sampled yet.';
      redraw();
    } else if (m.type === 'sample') {
      for (const srv of m.servers) {
        const s = seriesFor(srv.name);
        if (s) push(s, { t: m.t, rssBytes: srv.rssBytes, children: srv.children });
      }
      if (series.size) status.textContent = '';
      redraw();
    } else if (m.type === 'error') {
      status.textContent = 'Could not load history: ' + m.message;
    }
  });
  window.addEventListener('resize', redraw);
  vscode.postMessage({ type: 'ready' });
})();
