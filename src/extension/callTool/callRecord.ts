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

const MAX_TEXT_LINES = 200;

/**
 * JSON with comments: a header saying what was called, when, how long it took and how it went; the result's text
 * content as comment lines (readable without JSON escapes); then { "arguments", "result" } (or "error").
 */
export function callDocumentText(r: CallRecord): string {
  const when = new Date(r.at).toLocaleTimeString();
  const status = r.error ? 'the call failed' : r.result?.isError ? 'the tool reported an error' : 'ok';
  const out = [`// ${r.server} › ${r.tool}`, `// Called at ${when} · took ${formatMs(r.durationMs)} · ${status}`];
  const content = Array.isArray(r.result?.content) ? r.result!.content : [];
  const texts = content.filter((c): c is { type: 'text'; text: string } => !!c && typeof c === 'object' && (c as { type?: unknown }).type === 'text' && typeof (c as { text?: unknown }).text === 'string');
  if (texts.length) {
    const lines = texts.flatMap((t) => t.text.split(/\r?\n/));
    out.push('//', '// Text content:', ...lines.slice(0, MAX_TEXT_LINES).map((l) => `//   ${l}`));
    if (lines.length > MAX_TEXT_LINES) out.push(`//   … ${lines.length - MAX_TEXT_LINES} more lines (in "result" below)`);
  }
  const body = r.error ? { arguments: r.arguments, error: plainText(r.error) } : { arguments: r.arguments, result: r.result ?? null };
  let json = JSON.stringify(body, null, 2);
  if (json.length > 1_000_000) json = `${json.slice(0, 1_000_000)}\n// … cut at 1,000,000 of ${json.length} characters`;
  out.push(json, '');
  return out.join('\n');
}
