// The tiny launcher every contained server starts as: it joins its cgroups, then execs the server's command (no
// shell), so the command's first instruction already runs inside them and nothing can fork before it is contained.
// Usage: launcher.js CGROUP_PROCS_FILE... -- FILE ARG...   (no imports beyond node:fs: it must start fast)
import { accessSync, constants, writeFileSync, writeSync } from 'node:fs';

const EXIT_CANNOT_JOIN = 126;
const EXIT_CANNOT_EXEC = 127;

function fail(code: number, message: string): never {
  // fd 2 directly: creating process.stderr would set the inherited pipe non-blocking for the command we exec.
  try {
    writeSync(2, `[mcp-warden launcher] ${message}\n`);
  } catch {
    // stderr closed: the exit code still says it
  }
  process.exit(code);
}

const argv = process.argv.slice(2);
const sep = argv.indexOf('--');
if (sep < 0 || sep === argv.length - 1) fail(EXIT_CANNOT_EXEC, 'usage: launcher.js CGROUP_PROCS... -- FILE ARG...');
for (const procs of argv.slice(0, sep)) {
  try {
    writeFileSync(procs, String(process.pid));
  } catch (err) {
    // Fail closed: a server that would run uncontained is not started.
    fail(EXIT_CANNOT_JOIN, `could not join ${procs}: ${(err as Error).message}`);
  }
}
// Node ignores SIGPIPE and SIGXFSZ, and an ignored signal stays ignored across exec (a caught one is reset): catch
// them so the command starts with the default dispositions, as a server spawned directly by libuv does.
for (const sig of ['SIGPIPE', 'SIGXFSZ'] as const) process.on(sig, () => undefined);
const [file, ...args] = argv.slice(sep + 1) as [string, ...string[]];
const execve = (process as unknown as { execve?: (file: string, args: string[], env: NodeJS.ProcessEnv) => never }).execve;
if (!execve) fail(EXIT_CANNOT_EXEC, 'this Node has no process.execve');
// A failed execve aborts Node (SIGABRT and a native stack trace), so the usual failures are caught first.
try {
  accessSync(file, constants.X_OK);
} catch (err) {
  fail(EXIT_CANNOT_EXEC, `could not exec ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
}
try {
  execve(file, [file, ...args], process.env);
} catch (err) {
  fail(EXIT_CANNOT_EXEC, `could not exec ${file}: ${(err as Error).message}`);
}
