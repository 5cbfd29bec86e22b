// adopt on a large ~/.claude.json (Claude Code keeps every project's history in it): planning the rewrite of 21 entries
// from one parse vs re-parsing the file for each edit (the first design), and unadopt --force's merge, in one run.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { claudeCodeFiles } from '../src/cli/adopt/clients/claudeCode';
import { formattingOf, setJsonValue } from '../src/cli/adopt/jsonEdit';
import { mergeBack } from '../src/cli/adopt/mergeBack';
import { planAdoption } from '../src/cli/adopt/planner';
import { PROCESS_KEYS } from '../src/cli/adopt/translate';
import { median, round, writeResults } from './support';

const PROJECTS = 200;
const HISTORY = 200;
const SERVERS = 20;
const RUNS = 5;
/** The slow design takes ~40 s a run here: three runs give its median. */
const SLOW_RUNS = 3;

function claudeJson(): string {
  const projects: Record<string, unknown> = {};
  for (let p = 0; p < PROJECTS; p++) {
    projects[`/home/u/proj${p}`] = {
      history: Array.from({ length: HISTORY }, (_, i) => ({ display: `a prompt number ${i} ${'x'.repeat(150)}`, pastedContents: {} })),
      mcpServers: p < SERVERS ? { [`s${p}`]: { type: 'stdio', command: 'npx', args: ['-y', `pkg${p}`], env: { K: `v${p}` } } } : {},
    };
  }
  return JSON.stringify({ numStartups: 1, mcpServers: { top: { command: 'uvx', args: ['x'] } }, projects }, null, 2);
}

function time(fn: () => unknown): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

function main(): void {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-warden-adopt-bench-'));
  try {
    const text = claudeJson();
    mkdirSync(join(dir, 'home'));
    const path = join(dir, 'home', '.claude.json');
    writeFileSync(path, text);
    const launcher = { node: process.execPath, cli: '/opt/mcp-warden/dist/cli.js' };
    const inputs = { files: claudeCodeFiles({ platform: 'linux', env: {}, homeDir: join(dir, 'home') }), wardenConfigPath: join(dir, 'servers.json'), launcher };
    const plan = planAdoption(inputs);
    if (plan.moved.length !== SERVERS + 1 || plan.changes.length !== 1) throw new Error(`unexpected plan: ${plan.moved.length} moved`);
    const onePass = Array.from({ length: RUNS }, () => time(() => planAdoption(inputs)));
    // The first design: every edit through setJsonValue, which parses the whole file again.
    const fmt = formattingOf(text);
    const perEdit = Array.from({ length: SLOW_RUNS }, () => time(() => {
      let out = text;
      for (const m of plan.moved) {
        const p = [...m.container, m.clientName];
        for (const k of PROCESS_KEYS) out = setJsonValue(out, [...p, k], undefined, fmt);
        out = setJsonValue(out, [...p, 'command'], launcher.node, fmt);
        out = setJsonValue(out, [...p, 'args'], m.rewrite!.args, fmt);
      }
    }));
    const adopted = plan.changes[0]!.after;
    const edited = adopted.replace('"numStartups": 1', '"numStartups": 2');
    const records = plan.moved.map((m) => ({ container: m.container, clientName: m.clientName, wardenName: m.wardenName, added: true, definitionSha256: '' }));
    const merge = Array.from({ length: RUNS }, () => time(() => mergeBack('json', edited, text, records)));
    if (mergeBack('json', edited, text, records) !== text.replace('"numStartups": 1', '"numStartups": 2')) throw new Error('merge is wrong');
    const result = {
      fileBytes: Buffer.byteLength(text),
      entries: plan.moved.length,
      planOnePassMs: round(median(onePass)),
      editPerParseMs: round(median(perEdit)),
      ratio: round(median(perEdit) / median(onePass), 1),
      unadoptMergeMs: round(median(merge)),
      runs: RUNS,
      slowRuns: SLOW_RUNS,
    };
    console.log(result);
    writeResults('adopt', result);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
