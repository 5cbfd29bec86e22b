// How a memory reads in quick picks, the Memories tree and its document; vscode-free so it is unit-tested.
import { formatDuration } from '../../shared/format';
import type { MemoryHit, MemoryRecord } from '../../shared/protocol';

/** "3h 5m ago" from an ISO time; "—" when it does not parse. */
export function memoryAge(iso: string, nowMs: number): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return '—';
  return `${formatDuration(Math.max(0, nowMs - t))} ago`;
}

/** First line of the content, shortened for a label. */
export function memoryTitle(content: string, maxChars = 80): string {
  const first = content.trim().split(/\r?\n/, 1)[0] ?? '';
  return first.length > maxChars ? `${first.slice(0, maxChars - 1)}…` : first || '(empty)';
}

/** "score 0.83 · decision · 2h ago" (score only for search hits). */
export function memoryDescription(m: MemoryRecord | MemoryHit, nowMs: number): string {
  const parts: string[] = [];
  if ('score' in m && typeof m.score === 'number') parts.push(`score ${m.score.toFixed(2)}`);
  if (m.category) parts.push(m.category);
  parts.push(memoryAge(m.updatedAt, nowMs));
  return parts.join(' · ');
}

/** The full memory as a Markdown document (the read-only editor shows this). */
export function memoryMarkdown(m: MemoryRecord): string {
  const meta = [
    `- id: \`${m.id}\``,
    `- category: ${m.category || '—'}`,
    `- tags: ${m.tags.length ? m.tags.map((t) => `\`${t}\``).join(', ') : '—'}`,
    `- importance: ${m.importance}`,
    `- source: ${m.source || '—'} · workspace: ${m.workspace || '—'}`,
    `- created ${m.createdAt} · updated ${m.updatedAt}`,
  ];
  return `# ${memoryTitle(m.content).replace(/^#+\s*/, '')}\n\n${m.content}\n\n---\n\n${meta.join('\n')}\n`;
}

/** "a, b ,c" → ["a","b","c"]; empty parts dropped, duplicates removed. */
export function parseTags(text: string): string[] {
  return [...new Set(text.split(',').map((t) => t.trim()).filter(Boolean))];
}
