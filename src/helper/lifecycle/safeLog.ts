// Logging that survives its reader dying: when the editor that read our stderr is killed, writes fail with EPIPE.
// Without this, the failed write is reported, reported again, … and the cleanup that should run never does.
let stderrDead = false;
let stdoutDead = false;

/** Call once at start-up: stdio errors mark the stream dead instead of becoming uncaught exceptions. */
export function guardStdio(): void {
  process.stderr.on('error', () => {
    stderrDead = true;
  });
  process.stdout.on('error', () => {
    stdoutDead = true;
  });
}

export function safeLog(line: string): void {
  if (stderrDead) return;
  try {
    process.stderr.write(`${line}\n`);
  } catch {
    stderrDead = true;
  }
}

export function safeStdout(text: string): void {
  if (stdoutDead) return;
  try {
    process.stdout.write(text);
  } catch {
    stdoutDead = true;
  }
}
