// The gateway's names for the tools and prompts of several servers: `server__tool`, at most 64 characters of
// [A-Za-z0-9_-], the same for the same set of servers every time, and a table back to the server and its own name.
import { createHash } from 'node:crypto';

/** Clients cap names here (Claude's API: ^[a-zA-Z0-9_-]{1,64}$; VS Code's agent likewise). */
export const MAX_NAME_LENGTH = 64;
export const SEPARATOR = '__';
const HASH_LENGTH = 8;

export interface Origin {
  server: string;
  name: string;
}

/** Characters clients accept in a tool name; anything else becomes `_`. */
function sanitize(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, '_');
}

/** A stable short hash of the pair: the same server and name give the same suffix on every machine and run. */
function hashOf(origin: Origin, length: number): string {
  return createHash('sha256').update(`${origin.server}\0${origin.name}`).digest('hex').slice(0, length);
}

/** `prefix_hash`, with the prefix cut so the whole fits in MAX_NAME_LENGTH. */
function hashedName(plain: string, origin: Origin, hashLength: number): string {
  const hash = hashOf(origin, hashLength);
  return `${plain.slice(0, MAX_NAME_LENGTH - hash.length - 1)}_${hash}`;
}

/**
 * Names every (server, name) pair. The rule, documented in the README:
 *  1. `server__name`, when it is at most 64 characters and needs no character replaced, and no pair sorted before it
 *     (by server, then name) already has it;
 *  2. otherwise the sanitized `server__name` cut to 55 characters, `_`, and the first 8 hex digits of
 *     sha256(server NUL name) — longer digits (then a counter) only in the unlikely case that this is taken too.
 * The input order does not matter; a duplicate pair is named once.
 */
export function assignNames(origins: readonly Origin[]): Map<string, Origin> {
  const sorted = [...origins].sort((a, b) => (a.server === b.server ? cmp(a.name, b.name) : cmp(a.server, b.server)));
  const byName = new Map<string, Origin>();
  const seen = new Set<string>();
  const later: { origin: Origin; plain: string }[] = [];
  // Exact names first, so a hashed name never takes a name some pair has plainly.
  for (const origin of sorted) {
    const pairKey = `${origin.server}\0${origin.name}`;
    if (seen.has(pairKey)) continue;
    seen.add(pairKey);
    const exact = `${origin.server}${SEPARATOR}${origin.name}`;
    const plain = `${sanitize(origin.server)}${SEPARATOR}${sanitize(origin.name)}`;
    if (plain === exact && exact.length <= MAX_NAME_LENGTH && !byName.has(exact)) byName.set(exact, origin);
    else later.push({ origin, plain });
  }
  for (const { origin, plain } of later) {
    let name = hashedName(plain, origin, HASH_LENGTH);
    for (let len = HASH_LENGTH + 4; byName.has(name) && len <= 64; len += 4) name = hashedName(plain, origin, len);
    for (let n = 2; byName.has(name); n++) name = `${hashedName(plain, origin, HASH_LENGTH).slice(0, MAX_NAME_LENGTH - String(n).length - 1)}_${n}`;
    byName.set(name, origin);
  }
  return byName;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
