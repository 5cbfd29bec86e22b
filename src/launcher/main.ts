// The tiny launcher every contained server starts as: it joins its cgroups, then execs the server's command (no
// shell), so the command's first instruction already runs inside them and nothing can fork before it is contained.
// Usage: launcher.js CGROUP_PROCS_FILE... -- FILE ARG...   (no imports beyond node:fs: it must start fast)
//    or: launcher.js --wait   a spare, started before it is needed (src/helper/containment/spareLaunchers.ts): it reads
//        its instructions from stdin — 8 hex digits of length, a newline, then that many bytes of JSON
//        {procs, file, args, env, cwd} — and reads nothing past them, so what follows on stdin is the server's.
//        Stdin closing first (the engine went away) makes it leave quietly.
import { accessSync, constants, readSync, writeFileSync, writeSync } from 'node:fs';

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

const MAX_INSTRUCTION_BYTES = 1024 * 1024;
const pause = new Int32Array(new SharedArrayBuffer(4));

/** Exactly n bytes of fd 0, blocking (a non-blocking stdin is waited on); null when it ends first. */
function readExactly(n: number): Buffer | null {
  const buf = Buffer.alloc(n);
  let got = 0;
  while (got < n) {
    let r: number;
    try {
      r = readSync(0, buf, got, n - got, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') {
        Atomics.wait(pause, 0, 0, 2);
        continue;
      }
      return null;
    }
    if (r === 0) return null;
    got += r;
  }
  return buf;
}

interface Instruction {
  procs: string[];
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
}

function waitForInstruction(): Instruction {
  const header = readExactly(9);
  if (!header) process.exit(0);
  const n = Number.parseInt(header.toString('latin1', 0, 8), 16);
  if (!Number.isInteger(n) || n <= 0 || n > MAX_INSTRUCTION_BYTES || header[8] !== 10) fail(EXIT_CANNOT_EXEC, 'bad instruction header');
  const body = readExactly(n);
  if (!body) process.exit(0);
  try {
    const i = JSON.parse(body.toString('utf8')) as Instruction;
    if (!Array.isArray(i.procs) || typeof i.file !== 'string' || !Array.isArray(i.args) || typeof i.env !== 'object' || i.env === null) throw new Error('missing fields');
    return i;
  } catch (err) {
    fail(EXIT_CANNOT_EXEC, `bad instruction: ${(err as Error).message}`);
  }
}

let argv = process.argv.slice(2);
let execEnv: NodeJS.ProcessEnv = process.env;
if (argv[0] === '--wait') {
  const i = waitForInstruction();
  if (i.cwd) {
    try {
      process.chdir(i.cwd);
    } catch (err) {
      fail(EXIT_CANNOT_EXEC, `could not change to ${i.cwd}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  argv = [...i.procs, '--', i.file, ...i.args];
  execEnv = i.env;
}
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
  execve(file, [file, ...args], execEnv);
} catch (err) {
  fail(EXIT_CANNOT_EXEC, `could not exec ${file}: ${(err as Error).message}`);
}
