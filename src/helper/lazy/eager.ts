// `"lazy": false`: the daemon (which otherwise starts a server on its first call) starts such servers at once.
import { DEFAULT_SESSION_OPTIONS } from '../../shared/config';
import { WardenError } from '../../shared/errors';
import type { Supervisor } from '../supervisor/supervisor';

export async function startEagerServers(supervisor: Supervisor, log: (line: string) => void): Promise<void> {
  for (const s of supervisor.snapshot().servers) {
    const server = supervisor.managed(s.name);
    if (!server || server.instanceOf || server.isLive || (server.spec.sessions ?? DEFAULT_SESSION_OPTIONS).lazy !== false) continue;
    if (server.state === 'failed' || server.state === 'capped') continue;
    await supervisor.start(s.name).catch((err: unknown) => log(`\`${s.name}\` ("lazy": false) did not start: ${WardenError.from(err).message}`));
  }
}
