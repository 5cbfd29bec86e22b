// A Call Tool result as a read-only document: its title ("server › tool (12 ms)") and its Markdown text with the
// arguments and the result. vscode-free so it is unit-tested.
import type { CallToolResultJson } from '../../shared/protocol';
import { formatMs, plainText } from '../present/text';

export interface CallRecord {
  id: number;
  server: string;
  tool: string;
  arguments: Record<string, unknown>;
  /** Epoch ms when the call was sent. */
  at: number;
  durationMs: number;
  result?: CallToolResultJson;
  /** Set when the call itself failed (timeout, server not running); `result` is then absent. */
  error?: string;
}

/** No slash may reach a URI path's last segment (the editor's tab title). */
function safe(name: string): string {
  return name.replace(/[/\\]/g, '∕').replace(/[\r\n]/g, ' ');
}

/** The tab title. */
export function callTitle(r: CallRecord): string {
  return `${safe(r.server)} › ${safe(r.tool)} (${r.error ? 'failed' : formatMs(r.durationMs)})`;
}

function fence(text: string, lang = ''): string {
  // A fence longer than any backtick run inside, so result text cannot close it.
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const f = '`'.repeat(longest + 1);
  return `${f}${lang}\n${text}\n${f}`;
}

export function callDocumentText(r: CallRecord): string {
  const when = new Date(r.at).toLocaleTimeString();
  const status = r.error ? 'the call failed' : r.result?.isError ? 'the tool reported an error' : 'ok';
  const out = [`# ${r.server} › ${r.tool}`, '', `Called at ${when} · took ${formatMs(r.durationMs)} · ${status}`, '', '## Arguments', '', fence(JSON.stringify(r.arguments, null, 2), 'json'), ''];
  if (r.error) {
    out.push('## Error', '', plainText(r.error), '');
    return out.join('\n');
  }
  const content = Array.isArray(r.result?.content) ? r.result!.content : [];
  const texts = content.filter((c): c is { type: 'text'; text: string } => !!c && typeof c === 'object' && (c as { type?: unknown }).type === 'text' && typeof (c as { text?: unknown }).text === 'string');
  if (texts.length) {
    out.push('## Text', '');
    for (const t of texts.slice(0, 20)) out.push(fence(t.text.length > 100_000 ? `${t.text.slice(0, 100_000)}\n… (${t.text.length} characters)` : t.text), '');
  }
  const json = JSON.stringify(r.result ?? null, null, 2);
  out.push('## Result', '', fence(json.length > 500_000 ? `${json.slice(0, 500_000)}\n… (${json.length} characters)` : json, 'json'), '');
  return out.join('\n');
}
