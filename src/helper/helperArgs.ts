// Parses the helper's command line: what vscode-languageclient passes plus our own --state-dir.
export interface HelperArgs {
  stateDir?: string;
  clientProcessId?: number;
}

export function parseHelperArgs(argv: string[]): HelperArgs {
  const out: HelperArgs = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--state-dir' && argv[i + 1]) out.stateDir = argv[++i];
    else if (a.startsWith('--state-dir=')) out.stateDir = a.slice('--state-dir='.length);
    else if (a.startsWith('--clientProcessId=')) out.clientProcessId = Number(a.slice('--clientProcessId='.length)) || undefined;
    else if (a === '--clientProcessId' && argv[i + 1]) out.clientProcessId = Number(argv[++i]) || undefined;
  }
  return out;
}
