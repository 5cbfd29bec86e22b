// `status`, `start`, `stop`, `restart`, `call`: requests to a running helper through its control socket.
import { WardenError } from '../shared/errors';
import { CallToolRequest, RestartServerRequest, SnapshotRequest, StartServerRequest, StopServerRequest } from '../shared/protocol';
import { connectToHelper } from '../helper/control/controlClient';
import { listHelpers } from '../helper/control/controlPaths';
import { readLockHolder } from '../helper/daemon/engineLock';
import { engineLockPath } from '../helper/endpoints/paths';
import { renderTable, statusJson } from './statusTable';
import { UsageError } from './args';

/** The engine holding the state dir's lock (the one MCP clients reach), when it is among the live helpers. */
function lockHolderPid(stateDir: string): number | undefined {
  const pid = readLockHolder(engineLockPath(stateDir))?.pid;
  return pid !== undefined && listHelpers(stateDir).some((h) => h.pid === pid) ? pid : undefined;
}

export async function remoteCommand(command: string, positionals: string[], stateDir: string, json: boolean, pidOption?: number): Promise<number> {
  const pid = pidOption ?? lockHolderPid(stateDir);
  if (command === 'status' && !pid && listHelpers(stateDir).length > 1 && !json) {
    process.stderr.write(`several helpers are running in ${stateDir} (${listHelpers(stateDir).map((h) => `${h.pid} (${h.startedBy})`).join(', ')}); showing the newest, pick one with --pid\n`);
  }
  const control = await connectToHelper(stateDir, pid);
  const { connection } = control;
  try {
    switch (command) {
      case 'status': {
        const snap = await connection.sendRequest(SnapshotRequest.type);
        process.stdout.write(json ? `${JSON.stringify(statusJson(snap))}\n` : `${renderTable(snap)}\n`);
        return 0;
      }
      case 'start':
      case 'stop':
      case 'restart': {
        const name = positionals[0];
        if (!name) throw new UsageError(`usage: mcp-warden ${command} NAME`);
        if (command === 'stop') {
          const r = await connection.sendRequest(StopServerRequest.type, { name });
          if (json) process.stdout.write(`${JSON.stringify(r)}\n`);
          else process.stdout.write(r.survivors.length ? `stopped ${name}, but ${r.survivors.length} process(es) survived\n` : `stopped ${name}\n`);
          return r.survivors.length ? 1 : 0;
        }
        const type = command === 'start' ? StartServerRequest.type : RestartServerRequest.type;
        const s = await connection.sendRequest(type, { name });
        process.stdout.write(json ? `${JSON.stringify(s)}\n` : `${name}: ${s.state} (pid ${s.pid ?? '-'})\n`);
        return 0;
      }
      case 'call': {
        const [name, tool, rawArgs] = positionals;
        if (!name || !tool) throw new UsageError('usage: mcp-warden call NAME TOOL [JSON-ARGS]');
        let args: Record<string, unknown> | undefined;
        if (rawArgs !== undefined) {
          try {
            args = JSON.parse(rawArgs) as Record<string, unknown>;
          } catch (err) {
            throw new UsageError(`JSON-ARGS is not valid JSON (${(err as Error).message}); e.g. '{"text":"hi"}'`);
          }
          if (typeof args !== 'object' || args === null || Array.isArray(args)) throw new UsageError('JSON-ARGS must be a JSON object, e.g. \'{"text":"hi"}\'');
        }
        const r = await connection.sendRequest(CallToolRequest.type, { name, tool, arguments: args });
        if (json) process.stdout.write(`${JSON.stringify(r)}\n`);
        else for (const c of r.content as { type: string; text?: string }[]) process.stdout.write(`${c.type === 'text' ? c.text : JSON.stringify(c)}\n`);
        return r.isError ? 1 : 0;
      }
      default:
        throw new UsageError(`unknown command ${command}`);
    }
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw WardenError.from(err);
  } finally {
    control.close();
  }
}
