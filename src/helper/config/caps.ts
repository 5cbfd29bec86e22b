// Validates "warden" cap objects (top-level defaults, per-server overrides) against the documented bounds.
import { SETTING_BOUNDS, type MemoryAction, type WardenSettings } from '../../shared/config';

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
    if (key === 'memoryAction') {
      if (typeof value === 'string' && (MEMORY_ACTIONS as readonly string[]).includes(value)) caps.memoryAction = value as MemoryAction;
      else errors.push(`${where}: "warden.memoryAction" must be one of ${MEMORY_ACTIONS.join(', ')} (got ${JSON.stringify(value)})`);
      continue;
    }
    const bounds = (SETTING_BOUNDS as Record<string, readonly [number, number]>)[key];
    if (!bounds) {
      errors.push(`${where}: unknown cap "warden.${key}" (known: ${[...Object.keys(SETTING_BOUNDS), 'memoryAction'].join(', ')})`);
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
