// Text as a person reads it: helper sentences without Markdown backticks, escaped Markdown, and shortened command lines.
// vscode-free, so every rule here is unit-tested.

/** The helper writes server names as `name` (for its CLI and logs); toasts and labels show plain text. */
export function plainText(message: string): string {
  return message.replace(/`([^`\n]*)`/g, '$1').replace(/`/g, "'");
}

/** Escapes user text for a MarkdownString: nothing in it is read as formatting, HTML or a link. */
export function escapeMarkdown(text: string): string {
  return plainText(text)
    .replace(/[\\*_{}[\]()#+\-.!|<>~]/g, (c) => `\\${c}`)
    .replace(/\r?\n/g, ' ');
}

/** A command line for a label or tooltip: its first line, at most maxChars, with "…" where something was left out. */
export function shortenCommand(command: string, maxChars = 80): string {
  const lines = command.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  let first = (lines[0] ?? '').replace(/\s+/g, ' ');
  const more = lines.length > 1;
  if (first.length > maxChars) return `${first.slice(0, maxChars - 1)}…`;
  if (more) first = `${first} …`;
  return first;
}

/** A short name for a process row: the executable's base name and its first argument's base name ("node leaky.mjs"). */
export function processLabel(command: string): string {
  const words = shortenCommand(command, 400).split(' ').filter((w) => w && w !== '…');
  const base = (w: string) => w.replace(/^.*[/\\]/, '');
  const exe = base(words[0] ?? '?');
  // Inline code (node -e, sh -c) says nothing in a label: keep the flag, the tooltip and Copy Command have the rest.
  if (['-e', '-c', '--eval', '-p'].includes(words[1] ?? '')) return `${exe} ${words[1]} …`;
  const arg = words.slice(1).find((w) => !w.startsWith('-'));
  return shortenCommand(arg ? `${exe} ${base(arg)}` : exe, 48);
}

export function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** 250 → "250 ms", 4000 → "4 s", 1500 → "1.5 s". */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  return `${s < 10 ? s.toFixed(1).replace(/\.0$/, '') : Math.round(s)} s`;
}

/** Uptime at the grain a row shows it: "<1m", "5m", "2h 5m", "3d 4h" (so a row changes once a minute, not every second). */
export function coarseUptime(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  const m = Math.floor(ms / 60_000);
  if (m < 1) return '<1m';
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${m % 60}m`.replace(/ 0m$/, '');
  const d = Math.floor(h / 24);
  return `${d}d ${h % 24}h`.replace(/ 0h$/, '');
}
