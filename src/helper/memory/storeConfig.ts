// Where the store lives and how it is bounded, from the state dir and environment (shared by helper, CLI and MCP server).
import { join } from 'node:path';
import { createEmbedder, type EmbedderConfig } from './embedder';
import type { StoreOptions } from './store';

export function memoryDbPath(stateDir: string): string {
  return join(stateDir, 'memory.db');
}

function positiveInt(v: string | undefined): number | null {
  const n = Number(v);
  return v && Number.isInteger(n) && n > 0 ? n : null;
}

/** MCP_WARDEN_MEMORY_MAX, MCP_WARDEN_MEMORY_MAX_BYTES, MCP_WARDEN_EMBEDDINGS=openai|ollama (+ _URL, _MODEL, _KEY_ENV). */
export function storeOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): StoreOptions {
  const provider = env.MCP_WARDEN_EMBEDDINGS as EmbedderConfig['provider'] | undefined;
  return {
    maxMemories: positiveInt(env.MCP_WARDEN_MEMORY_MAX),
    maxBytes: positiveInt(env.MCP_WARDEN_MEMORY_MAX_BYTES),
    embedder: provider && provider !== 'none'
      ? createEmbedder({ provider, url: env.MCP_WARDEN_EMBEDDINGS_URL, model: env.MCP_WARDEN_EMBEDDINGS_MODEL, apiKeyEnv: env.MCP_WARDEN_EMBEDDINGS_KEY_ENV })
      : null,
  };
}
