// Config files as people really write them: a BOM, unset variables, defaults, relative envFiles, missing cwds.
import { strict as assert } from 'node:assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../../src/helper/config/loadConfig';
import { expandVariables } from '../../../src/helper/config/variables';
import { parseArgs, UsageError } from '../../../src/cli/args';
import { tempDir } from '../../support/fixtures';

function load(dir: string, body: string | object, ref: { workspaceFolder?: string } = {}) {
  const path = join(dir, 'mcp.json');
  writeFileSync(path, typeof body === 'string' ? body : JSON.stringify(body));
  return loadConfig({ files: [{ path, origin: 'cli', trusted: true, ...ref }], autoStart: false });
}

const problems = (r: ReturnType<typeof loadConfig>) => r.problems.map((p) => p.message).join('\n');

describe('config robustness', () => {
  it('accepts a file that starts with a UTF-8 byte-order mark', () => {
    const r = load(tempDir('bom'), `\uFEFF${JSON.stringify({ servers: { a: { command: 'node' } } })}`);
    assert.equal(problems(r), '');
    assert.deepEqual(r.servers.map((s) => s.spec.name), ['a']);
  });

  it('an unset ${env:NAME} is an error naming the variable; ${env:NAME:-default} gives the default', () => {
    delete process.env.WARDEN_TEST_UNSET;
    process.env.WARDEN_TEST_EMPTY = '';
    process.env.WARDEN_TEST_SET = 'yes';
    const r = load(tempDir('env'), {
      servers: {
        bad: { command: 'node', env: { TOKEN: '${env:WARDEN_TEST_UNSET}' } },
        dflt: { command: 'node', args: ['${env:WARDEN_TEST_UNSET:-fallback}', '${env:WARDEN_TEST_EMPTY:-empty-too}', '${env:WARDEN_TEST_SET:-no}'] },
        empty: { command: 'node', env: { E: '${env:WARDEN_TEST_EMPTY}' } },
      },
    });
    assert.match(problems(r), /server "bad" .*environment variable WARDEN_TEST_UNSET is not set/);
    const byName = new Map(r.servers.map((s) => [s.spec.name, s.spec]));
    assert.ok(!byName.has('bad'));
    assert.deepEqual(byName.get('dflt')!.args, ['fallback', 'empty-too', 'yes']);
    assert.equal(byName.get('empty')!.env.E, '', 'a variable that is set but empty is used as it is');
    assert.throws(() => expandVariables('${env:WARDEN_TEST_UNSET}', { env: {} }), /WARDEN_TEST_UNSET/);
  });

  it('a relative envFile resolves against its config file, not the workspace or the process cwd', () => {
    const dir = tempDir('envfile');
    mkdirSync(join(dir, 'conf'));
    writeFileSync(join(dir, 'conf', '.env'), '\uFEFFFROM_FILE=beside-the-config\n');
    const path = join(dir, 'conf', 'mcp.json');
    writeFileSync(path, JSON.stringify({ servers: { a: { command: 'node', envFile: '.env' } } }));
    const r = loadConfig({ files: [{ path, origin: 'cli', trusted: true, workspaceFolder: dir }], autoStart: false });
    assert.equal(problems(r), '');
    assert.equal(r.servers[0]!.spec.env.FROM_FILE, 'beside-the-config');
  });

  it('a missing cwd says which directory is missing', () => {
    const dir = tempDir('cwd');
    writeFileSync(join(dir, 'file.txt'), 'x');
    const r = load(dir, { servers: { gone: { command: 'node', cwd: 'no/such/dir' }, flat: { command: 'node', cwd: join(dir, 'file.txt') }, ok: { command: 'node', cwd: dir } } }, { workspaceFolder: dir });
    assert.match(problems(r), new RegExp(`server "gone" .*its cwd ${join(dir, 'no/such/dir')} does not exist`));
    assert.match(problems(r), /server "flat" .*is not a directory/);
    assert.deepEqual(r.servers.map((s) => s.spec.name), ['ok']);
  });
});

describe('CLI arguments', () => {
  it('an option that needs a value never takes the next option as it', () => {
    assert.throws(() => parseArgs(['run', '--config', '--state-dir', '/tmp/x'], ['config', 'state-dir'], []), (e: Error) =>
      e instanceof UsageError && e.message === '--config needs a file (got the option --state-dir)');
    assert.throws(() => parseArgs(['run', '--state-dir'], ['config', 'state-dir'], []), /--state-dir needs a directory/);
    assert.throws(() => parseArgs(['run', '--config='], ['config'], []), /--config needs a file/);
    const ok = parseArgs(['run', '--config=--odd-name.json', '--state-dir', 'd'], ['config', 'state-dir'], []);
    assert.deepEqual(ok.options.get('config'), ['--odd-name.json']);
    assert.deepEqual(ok.options.get('state-dir'), ['d']);
  });
});
