// Kills and removes the cgroups a dead engine recorded in its registry file (kill -9, power loss), after checking
// that each path is one of that engine's containers (mcp-warden/<its pid>-<its start time>/<leaf>) and nothing else.
import { readMounts, removeDir } from './cgroupFs';
import { engineDirOf, validateRecordedPaths } from './cgroupBackend';
import { CgroupContainer } from './cgroupContainer';
import { removeWhenReleased } from './remove';

const EMPTY_WAIT_MS = 2000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface CgroupReapResult {
  /** Processes that were members when we killed them. */
  killed: number[];
  warnings: string[];
}

export async function reapRecordedCgroups(paths: unknown, ownerPid: number, ownerStartTime: number): Promise<CgroupReapResult> {
  const result: CgroupReapResult = { killed: [], warnings: [] };
  if (paths === undefined || (Array.isArray(paths) && paths.length === 0)) return result;
  const dirs = validateRecordedPaths(paths, readMounts(), `${ownerPid}-${ownerStartTime}`);
  if (!Array.isArray(dirs)) {
    result.warnings.push(`ignored a recorded cgroup: ${dirs.why}`);
    return result;
  }
  const container = new CgroupContainer(dirs, 'recorded', undefined);
  result.killed = container.members();
  await container.killAll();
  const end = Date.now() + EMPTY_WAIT_MS;
  while (container.isEmpty() === false && Date.now() < end) await sleep(20);
  if (container.isEmpty() === false) result.warnings.push(`cgroup ${dirs[0]!.path} still has members: ${container.members().join(', ')}`);
  if (!(await removeWhenReleased(container))) result.warnings.push(`cgroup ${dirs[0]!.path} could not be removed`);
  for (const d of dirs) removeDir(engineDirOf(d.path));
  return result;
}
