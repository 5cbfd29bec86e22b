// Where the store lives and how it is bounded, from the state dir and the memory settings (shared by helper, CLI and
// MCP server; the settings come from VS Code through the helper, or from the environment).
import { join } from 'node:path';
import { memorySettingsFromEnv, type MemorySettings } from '../../shared/memorySettings';
import { createEmbedder } from './embedder';
import type { ConfigurableStoreOptions } from './store';

export function memoryDbPath(stateDir: string): string {
  return join(stateDir, 'memory.db');
}

export function storeOptionsFromSettings(settings: MemorySettings): ConfigurableStoreOptions {
  const e = settings.embeddings;
  return {
    maxMemories: settings.maxMemories,
    maxBytes: settings.maxBytes,
    embedder: e.provider === 'none' ? null : createEmbedder({ provider: e.provider, url: e.url, model: e.model, apiKeyEnv: e.apiKeyEnv }),
  };
}

/** MCP_WARDEN_MEMORY_MAX, MCP_WARDEN_MEMORY_MAX_BYTES, MCP_WARDEN_EMBEDDINGS=openai|ollama (+ _URL, _MODEL, _KEY_ENV). */
export function storeOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): ConfigurableStoreOptions {
  return storeOptionsFromSettings(memorySettingsFromEnv(env));
}
