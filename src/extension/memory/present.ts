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
  // A Markdown heading's marks are not part of the title.
  const first = (content.trim().split(/\r?\n/, 1)[0] ?? '').replace(/^#+\s+/, '');
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

/** Where a memory saved by Remember Selection came from: its file and lines, from `file:///…#L3-L10`. */
export interface MemorySourceLink {
  /** The file URI without the fragment. */
  file: string;
  startLine: number;
  endLine: number;
  /** "README.md, lines 3–10" */
  label: string;
}

/** The `source` Remember Selection stores: the file's URI with the selected lines as a fragment. */
export function sourceForSelection(fileUri: string, startLine: number, endLine: number): string {
  return `${fileUri}#L${startLine}${endLine !== startLine ? `-L${endLine}` : ''}`;
}

export function parseMemorySource(source: string): MemorySourceLink | null {
  // file: locally; vscode-remote: (or another scheme) for a file of a remote workspace.
  const m = /^([a-z][\w+.-]*:\/\/[^#\s]+)#L(\d+)(?:-L(\d+))?$/i.exec(source);
  if (!m) return null;
  const startLine = Number(m[2]);
  const endLine = m[3] ? Number(m[3]) : startLine;
  const name = decodeURIComponent(m[1]!.replace(/[?].*$/, '').replace(/^.*\//, ''));
  return { file: m[1]!, startLine, endLine, label: endLine === startLine ? `${name}, line ${startLine}` : `${name}, lines ${startLine}–${endLine}` };
}

/** The tab title of an opened memory: its first line without Markdown heading marks, no slashes. */
export function memoryDocumentTitle(m: Pick<MemoryRecord, 'content'>): string {
  return memoryTitle(m.content, 60).replace(/[/\\]/g, '∕');
}

/** The label of the source line in an opened memory, which a document link makes clickable. */
export const SOURCE_LINE_PREFIX = 'Source: ';

/**
 * The memory as a readable document: its content as written (no repeated heading), then its metadata, ending with a
 * "Source:" line naming the file and lines it came from (clickable in the editor).
 */
export function memoryMarkdown(m: MemoryRecord, nowMs = Date.now()): string {
  const link = parseMemorySource(m.source);
  const meta = [
    `Category: ${m.category || '—'} · Tags: ${m.tags.length ? m.tags.join(', ') : '—'} · Importance: ${m.importance}`,
    `Saved ${nowMs - Date.parse(m.createdAt) < 60_000 ? 'just now' : memoryAge(m.createdAt, nowMs)} (${m.createdAt})${m.updatedAt !== m.createdAt ? `, updated ${memoryAge(m.updatedAt, nowMs)}` : ''}${m.workspace ? ` in workspace ${m.workspace}` : ''}`,
    link ? `${SOURCE_LINE_PREFIX}${link.label}` : `${SOURCE_LINE_PREFIX}${m.source || '—'}`,
    `Id: ${m.id}`,
  ];
  return `${m.content.replace(/\s+$/, '')}\n\n---\n\n${meta.join('\n')}\n`;
}

/** "a, b ,c" → ["a","b","c"]; empty parts dropped, duplicates removed. */
export function parseTags(text: string): string[] {
  return [...new Set(text.split(',').map((t) => t.trim()).filter(Boolean))];
}
