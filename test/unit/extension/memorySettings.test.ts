// The memory settings: read from VS Code settings with clear problems for bad values, carried to processes as
// environment variables and back without change, and checked again where they arrive over the protocol.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WardenError } from '../../../src/shared/errors';
import { checkMemorySettings, DEFAULT_MEMORY_SETTINGS, memorySettingsFromEnv, memorySettingsToEnv, type MemorySettings } from '../../../src/shared/memorySettings';
import { readMemorySettings } from '../../../src/extension/memory/readMemorySettings';

const reader = (values: Record<string, unknown>) => (key: string) => values[key];

describe('memory settings', () => {
  it('reads nothing set as no bounds and no embeddings', () => {
    assert.deepEqual(readMemorySettings(reader({})), { settings: { ...DEFAULT_MEMORY_SETTINGS, embeddings: { provider: 'none', url: undefined, model: undefined, apiKeyEnv: undefined } }, problems: [] });
  });

  it('reads bounds (megabytes as bytes) and an embeddings endpoint', () => {
    const { settings, problems } = readMemorySettings(reader({
      'memory.maxMemories': 5000,
      'memory.maxSize': 1.5,
      'memory.embeddings.provider': 'openai',
      'memory.embeddings.url': ' http://127.0.0.1:8080 ',
      'memory.embeddings.model': 'small',
      'memory.embeddings.apiKeyEnv': 'MY_KEY',
    }));
    assert.deepEqual(problems, []);
    assert.deepEqual(settings, { maxMemories: 5000, maxBytes: 1_572_864, embeddings: { provider: 'openai', url: 'http://127.0.0.1:8080', model: 'small', apiKeyEnv: 'MY_KEY' } });
  });

  it("reads the old setting name memory.maxMegabytes while memory.maxSize is not set", () => {
    const values: Record<string, unknown> = { 'memory.maxMegabytes': 2 };
    const { settings } = readMemorySettings((k) => values[k], (k) => k in values);
    assert.equal(settings.maxBytes, 2 * 1024 * 1024);
  });

  it('turns each bad value into a problem and its default, never into a half-valid setting', () => {
    const { settings, problems } = readMemorySettings(reader({
      'memory.maxMemories': -3,
      'memory.maxSize': 'lots',
      'memory.embeddings.provider': 'cohere',
      'memory.embeddings.url': 'file:///etc/passwd',
      'memory.embeddings.apiKeyEnv': 'sk-live-123 secret',
    }));
    assert.deepEqual(settings, { maxMemories: null, maxBytes: null, embeddings: { provider: 'none', url: undefined, model: undefined, apiKeyEnv: undefined } });
    assert.equal(problems.length, 5, problems.join('\n'));
    assert.match(problems.join('\n'), /maxMemories must be a number of at least 0/);
    assert.match(problems.join('\n'), /provider must be one of none, openai, ollama; got "cohere"/);
    assert.match(problems.join('\n'), /url must start with http/);
    assert.match(problems.join('\n'), /the name of an environment variable holding the key .*not the key itself/);
    assert.doesNotMatch(problems.join('\n'), /sk-live-123/, 'a pasted key is never echoed into logs');
  });

  it('carries settings to a process as environment variables and reads them back unchanged', () => {
    const settings: MemorySettings = { maxMemories: 10, maxBytes: 2048, embeddings: { provider: 'ollama', url: 'http://127.0.0.1:11434', model: 'm', apiKeyEnv: 'K' } };
    assert.deepEqual(memorySettingsFromEnv(memorySettingsToEnv(settings)), settings);
    // Every variable is set, so a stale value in the editor's own environment cannot win over the settings.
    const cleared = { MCP_WARDEN_MEMORY_MAX: '7', MCP_WARDEN_EMBEDDINGS: 'openai', ...memorySettingsToEnv(DEFAULT_MEMORY_SETTINGS) };
    assert.deepEqual(memorySettingsFromEnv(cleared), { ...DEFAULT_MEMORY_SETTINGS, embeddings: { provider: 'none', url: undefined, model: undefined, apiKeyEnv: undefined } });
  });

  it('refuses a malformed environment with the variable named', () => {
    assert.throws(() => memorySettingsFromEnv({ MCP_WARDEN_MEMORY_MAX: 'ten' }), (e: WardenError) => e.code === 'CONFIG_INVALID' && /MCP_WARDEN_MEMORY_MAX must be a whole number/.test(e.message));
    assert.throws(() => memorySettingsFromEnv({ MCP_WARDEN_EMBEDDINGS: 'cohere' }), (e: WardenError) => e.code === 'CONFIG_INVALID' && /MCP_WARDEN_EMBEDDINGS must be one of/.test(e.message));
  });

  it('checks settings that arrive over the protocol', () => {
    assert.deepEqual(checkMemorySettings({ maxMemories: 0, maxBytes: null, embeddings: { provider: 'none' } }).maxMemories, null);
    for (const bad of [null, 'x', { maxMemories: 1.5, embeddings: { provider: 'none' } }, { embeddings: { provider: 'x' } }, { embeddings: { provider: 'openai', url: 5 } }]) {
      assert.throws(() => checkMemorySettings(bad), (e: WardenError) => e.code === 'CONFIG_INVALID', JSON.stringify(bad));
    }
  });
});
