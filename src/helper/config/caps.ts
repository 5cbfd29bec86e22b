// Validates "warden" cap objects (top-level defaults, per-server overrides) against the documented bounds.
import { INSTANCE_MODES, SESSION_OPTION_BOUNDS, SETTING_BOUNDS, type MemoryAction, type SessionOptions, type WardenSettings } from '../../shared/config';

const MEMORY_ACTIONS: readonly MemoryAction[] = ['restart', 'kill', 'warn'];

/** Returns the validated overrides and one message per invalid key (the invalid keys are dropped). */
export function validateCaps(raw: unknown, where: string): { caps: Partial<WardenSettings>; errors: string[] } {
  const caps: Partial<WardenSettings> = {};
  const errors: string[] = [];
  if (raw === undefined) return { caps, errors };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { caps, errors: [`${where}: "warden" must be an object of caps, e.g. {"memoryLimitMB": 512}`] };
  }
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (SESSION_KEYS.has(key)) continue; // validated by validateSessionOptions
    if (key === 'memoryAction') {
      if (typeof value === 'string' && (MEMORY_ACTIONS as readonly string[]).includes(value)) caps.memoryAction = value as MemoryAction;
      else errors.push(`${where}: "warden.memoryAction" must be one of ${MEMORY_ACTIONS.join(', ')} (got ${JSON.stringify(value)})`);
      continue;
    }
    const bounds = (SETTING_BOUNDS as Record<string, readonly [number, number]>)[key];
    if (!bounds) {
      errors.push(`${where}: unknown cap "warden.${key}" (known: ${[...Object.keys(SETTING_BOUNDS), 'memoryAction', ...SESSION_KEYS].join(', ')})`);
      continue;
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value < bounds[0] || value > bounds[1]) {
      errors.push(`${where}: "warden.${key}" must be a number from ${bounds[0]} to ${bounds[1]} (got ${JSON.stringify(value)})`);
      continue;
    }
    (caps as Record<string, number>)[key] = value;
  }
  return { caps, errors };
}

const SESSION_KEYS = new Set(['instances', 'lazy', ...Object.keys(SESSION_OPTION_BOUNDS)]);

/** The session-layer options in a "warden" object (`instances`, `maxInFlightPerClient`); invalid ones are named and dropped. */
export function validateSessionOptions(raw: unknown, where: string): { options: Partial<SessionOptions>; errors: string[] } {
  const options: Partial<SessionOptions> = {};
  const errors: string[] = [];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { options, errors };
  const r = raw as Record<string, unknown>;
  if (r.instances !== undefined) {
    if (typeof r.instances === 'string' && (INSTANCE_MODES as readonly string[]).includes(r.instances)) options.instances = r.instances as SessionOptions['instances'];
    else errors.push(`${where}: "warden.instances" must be one of ${INSTANCE_MODES.join(', ')} (got ${JSON.stringify(r.instances)})`);
  }
  if (r.maxInFlightPerClient !== undefined) {
    const [min, max] = SESSION_OPTION_BOUNDS.maxInFlightPerClient;
    const v = r.maxInFlightPerClient;
    if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) options.maxInFlightPerClient = v;
    else errors.push(`${where}: "warden.maxInFlightPerClient" must be a whole number from ${min} to ${max} (got ${JSON.stringify(v)})`);
  }
  if (r.lazy !== undefined) {
    if (typeof r.lazy === 'boolean') options.lazy = r.lazy;
    else errors.push(`${where}: "warden.lazy" must be true or false (got ${JSON.stringify(r.lazy)})`);
  }
  if (r.idleStopSec !== undefined) {
    const [min, max] = SESSION_OPTION_BOUNDS.idleStopSec;
    const v = r.idleStopSec;
    if (typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max) options.idleStopSec = v;
    else errors.push(`${where}: "warden.idleStopSec" must be a number of seconds from ${min} to ${max} (got ${JSON.stringify(v)})`);
  }
  return { options, errors };
}
