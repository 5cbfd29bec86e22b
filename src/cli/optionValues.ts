// Options that take a value: the word after one is its value, not a command (`--state-dir memory` is no `memory`).
const VALUE_OPTIONS = new Set(['--config', '--state-dir', '--pid', '--compat', '--category', '--tags', '--importance', '--limit', '--client', '--project', '--http-port', '--http-host', '--idle-exit-sec', '--servers']);

export function isOptionValue(previous: string | undefined): boolean {
  return previous !== undefined && VALUE_OPTIONS.has(previous);
}
