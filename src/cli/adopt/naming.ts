// Names servers get in Warden's config: the client's name when it is free (or holds the same definition), otherwise
// `NAME-CLIENT`, then `NAME-CLIENT-2`, `-3`, … — deterministic, because files and servers are visited in a fixed order.
import type { ClientId } from './types';

const MAX_NAME = 64;

/** A name Warden's loader accepts (1–64 of letters, digits, `. _ - @ :`). */
export function sanitizeName(name: string): string {
  const clean = name.replace(/[^\w.@:-]+/g, '-').replace(/^-+|-+$/g, '');
  return (clean || 'server').slice(0, MAX_NAME);
}

function withSuffix(base: string, suffix: string): string {
  return `${base.slice(0, MAX_NAME - suffix.length)}${suffix}`;
}

/**
 * Picks the Warden name for a server. `taken(name)` says what Warden's config already holds under that name:
 * undefined (free), or the canonical definition there.
 */
export function pickName(clientName: string, client: ClientId, definition: string, taken: (name: string) => string | undefined): string {
  const base = sanitizeName(clientName);
  const candidates = function* () {
    yield base;
    yield withSuffix(base, `-${client}`);
    for (let n = 2; ; n++) yield withSuffix(base, `-${client}-${n}`);
  };
  for (const name of candidates()) {
    const there = taken(name);
    if (there === undefined || there === definition) return name;
  }
  throw new Error('unreachable');
}
