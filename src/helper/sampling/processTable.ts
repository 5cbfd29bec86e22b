// Picks the process-table reader once at start-up: /proc on Linux (fast), `ps` elsewhere.
import { ProcFsProcessTable } from './procFsTable';
import { PsProcessTable } from './psTable';
import type { ProcessTable } from './types';

export function createProcessTable(kind?: 'proc' | 'ps'): ProcessTable {
  const chosen = kind ?? (process.platform === 'linux' ? 'proc' : 'ps');
  return chosen === 'proc' ? new ProcFsProcessTable() : new PsProcessTable();
}
