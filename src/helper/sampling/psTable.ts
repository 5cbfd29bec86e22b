// Portable process table for macOS and other POSIX systems (one `ps` for all processes), and Windows via CIM.
import { execFile } from 'node:child_process';
import type { ProcessEntry, ProcessTable, ProcessTableSnapshot } from './types';

const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: MAX_OUTPUT_BYTES, encoding: 'utf8', windowsHide: true }, (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    );
  });
}

/** Parses `ps -A -o pid=,ppid=,pgid=,sess=,rss=,etimes=,stat=,args=` lines. */
export function parsePsOutput(stdout: string, nowSec: number): ProcessTableSnapshot {
  const table: ProcessTableSnapshot = new Map();
  for (const line of stdout.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s?(.*)$/.exec(line);
    if (!m) continue;
    const entry: ProcessEntry = {
      pid: Number(m[1]),
      ppid: Number(m[2]),
      pgid: Number(m[3]),
      sid: Number(m[4]),
      rssBytes: Number(m[5]) * 1024,
      // Start time in whole seconds since the epoch: stable for a process, which is all a start time must be.
      startTime: nowSec - Number(m[6]),
      state: m[7]!.charAt(0),
      command: (m[8] ?? '').slice(0, 512),
    };
    table.set(entry.pid, entry);
  }
  return table;
}

export class PsProcessTable implements ProcessTable {
  readonly kind = 'ps' as const;

  async read(): Promise<ProcessTableSnapshot> {
    if (process.platform === 'win32') return this.readWindows();
    const out = await run('ps', ['-A', '-o', 'pid=,ppid=,pgid=,sess=,rss=,etimes=,stat=,args=']);
    return parsePsOutput(out, Math.floor(Date.now() / 1000));
  }

  async startTimeOf(pid: number): Promise<number | undefined> {
    return (await this.read()).get(pid)?.startTime;
  }

  private async readWindows(): Promise<ProcessTableSnapshot> {
    const script =
      'Get-CimInstance Win32_Process | ForEach-Object { "$($_.ProcessId)`t$($_.ParentProcessId)`t$($_.WorkingSetSize)`t$($_.CreationDate.Ticks)`t$($_.CommandLine)" }';
    const out = await run('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', script]);
    const table: ProcessTableSnapshot = new Map();
    for (const line of out.split(/\r?\n/)) {
      const [pid, ppid, ws, ticks, ...cmd] = line.split('\t');
      if (!pid || !/^\d+$/.test(pid)) continue;
      table.set(Number(pid), {
        pid: Number(pid),
        ppid: Number(ppid),
        pgid: 0,
        sid: 0,
        rssBytes: Number(ws) || 0,
        startTime: Number(ticks) || 0,
        state: 'R',
        command: cmd.join('\t').slice(0, 512),
      });
    }
    return table;
  }
}
