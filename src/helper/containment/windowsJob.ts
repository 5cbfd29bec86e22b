// Windows: a Job Object per server with JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE, held by a small PowerShell process that
// reads commands on stdin. When the engine dies, the holder's stdin closes, it exits, the job's last handle closes
// and Windows kills every process in the job. The job also carries the memory and process-count limits.
// UNTESTED: code path only; the machines here are Linux (see README).
import { spawn, type ChildProcess } from 'node:child_process';
import type { Container, ContainerLimits, ContainmentBackend, LaunchCommand } from './types';

const HOLDER = `
$ErrorActionPreference = 'Stop'
Add-Type -TypeDefinition @'
using System; using System.Runtime.InteropServices;
public static class J {
  [StructLayout(LayoutKind.Sequential)] public struct B { public long a; public long b; public uint LimitFlags; public UIntPtr c; public UIntPtr d; public uint ActiveProcessLimit; public UIntPtr e; public uint f; public uint g; }
  [StructLayout(LayoutKind.Sequential)] public struct IO { public ulong a, b, c, d, e, f; }
  [StructLayout(LayoutKind.Sequential)] public struct X { public B Basic; public IO Io; public UIntPtr ProcessMemoryLimit; public UIntPtr JobMemoryLimit; public UIntPtr p; public UIntPtr q; }
  [DllImport("kernel32.dll")] public static extern IntPtr CreateJobObject(IntPtr a, string n);
  [DllImport("kernel32.dll")] public static extern bool SetInformationJobObject(IntPtr j, int c, ref X i, uint l);
  [DllImport("kernel32.dll")] public static extern bool AssignProcessToJobObject(IntPtr j, IntPtr p);
  [DllImport("kernel32.dll")] public static extern bool TerminateJobObject(IntPtr j, uint code);
  [DllImport("kernel32.dll")] public static extern IntPtr OpenProcess(uint a, bool i, int pid);
  public static IntPtr Make(ulong mem, uint procs) {
    IntPtr j = CreateJobObject(IntPtr.Zero, null); X x = new X();
    x.Basic.LimitFlags = 0x2000 | (mem > 0 ? 0x200u : 0) | (procs > 0 ? 0x8u : 0);
    x.JobMemoryLimit = new UIntPtr(mem); x.Basic.ActiveProcessLimit = procs;
    SetInformationJobObject(j, 9, ref x, (uint)Marshal.SizeOf(typeof(X))); return j;
  }
}
'@
$job = [J]::Make([uint64]$env:WARDEN_JOB_MEMORY, [uint32]$env:WARDEN_JOB_PROCS)
while ($null -ne ($line = [Console]::In.ReadLine())) {
  if ($line -like 'add *') { [J]::AssignProcessToJobObject($job, [J]::OpenProcess(0x1F0FFF, $false, [int]$line.Substring(4))) | Out-Null }
  elseif ($line -eq 'kill') { [J]::TerminateJobObject($job, 1) | Out-Null }
}
`;

class JobContainer implements Container {
  readonly paths: string[] = [];
  private readonly holder: ChildProcess;
  constructor(readonly detail: string, limits: ContainerLimits) {
    this.holder = spawn('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', HOLDER], {
      stdio: ['pipe', 'ignore', 'ignore'],
      windowsHide: true,
      env: { ...process.env, WARDEN_JOB_MEMORY: String(limits.memoryMaxBytes), WARDEN_JOB_PROCS: String(limits.pidsMax) },
    });
    this.holder.on('error', () => undefined);
  }
  launch(file: string, args: readonly string[]): LaunchCommand {
    // No exec on Windows: the process is assigned right after CreateProcess, a short window (said in the README).
    return { file, args: [...args], joinsItself: false };
  }
  adopt(pid: number): void {
    this.holder.stdin?.write(`add ${pid}\n`);
  }
  members(): number[] {
    return [];
  }
  isEmpty(): boolean | undefined {
    return undefined;
  }
  async killAll(): Promise<void> {
    this.holder.stdin?.write('kill\n');
  }
  memoryBytes(): number | undefined {
    return undefined;
  }
  oomKills(): number {
    return 0;
  }
  pidsLimitHits(): number {
    return 0;
  }
  setLimits(): void {}
  remove(): boolean {
    // Closing the holder's stdin ends it; the job's last handle closes and kills whatever is left.
    this.holder.stdin?.end();
    return true;
  }
}

export class WindowsJobBackend implements ContainmentBackend {
  readonly kind = 'job-object' as const;
  readonly limits = { memory: true, pids: true };
  readonly reason = 'Windows: a Job Object per server with kill-on-close';
  create(server: string, limits: ContainerLimits): Container {
    return new JobContainer(`job-object for ${server}`, limits);
  }
  dispose(): void {}
}
