// The memory store's user settings: bounds and the embeddings provider. The extension reads them from VS Code
// settings and sends them to its helper (MemoryConfigureRequest) and, as environment variables, to the memory MCP
// server VS Code starts; the CLI and a hand-started memory server read the same variables.
import { WardenError } from './errors';

export type EmbeddingsProvider = 'none' | 'openai' | 'ollama';

export const EMBEDDINGS_PROVIDERS: readonly EmbeddingsProvider[] = ['none', 'openai', 'ollama'];

export interface EmbeddingsSettings {
  provider: EmbeddingsProvider;
  /** The endpoint's base URL; empty: the provider's usual local or public address. */
  url?: string;
  model?: string;
  /** The name of an environment variable holding the API key: keys never live in settings or in this message. */
  apiKeyEnv?: string;
}

export interface MemorySettings {
  /** Evict beyond this many memories; null: no limit. */
  maxMemories: number | null;
  /** Evict beyond this many bytes of content; null: no limit. */
  maxBytes: number | null;
  embeddings: EmbeddingsSettings;
}

export const DEFAULT_MEMORY_SETTINGS: MemorySettings = { maxMemories: null, maxBytes: null, embeddings: { provider: 'none' } };

export const MEMORY_ENV = {
  maxMemories: 'MCP_WARDEN_MEMORY_MAX',
  maxBytes: 'MCP_WARDEN_MEMORY_MAX_BYTES',
  provider: 'MCP_WARDEN_EMBEDDINGS',
  url: 'MCP_WARDEN_EMBEDDINGS_URL',
  model: 'MCP_WARDEN_EMBEDDINGS_MODEL',
  apiKeyEnv: 'MCP_WARDEN_EMBEDDINGS_KEY_ENV',
} as const;

function positiveInt(name: string, v: string | undefined): number | null {
  if (v === undefined || v.trim() === '' || v.trim() === '0') return null;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new WardenError('CONFIG_INVALID', `${name} must be a whole number of at least 0 (0: no limit); it is ${JSON.stringify(v)}.`);
  return n;
}

function provider(v: string | undefined): EmbeddingsProvider {
  if (v === undefined || v === '') return 'none';
  if ((EMBEDDINGS_PROVIDERS as readonly string[]).includes(v)) return v as EmbeddingsProvider;
  throw new WardenError('CONFIG_INVALID', `${MEMORY_ENV.provider} must be one of ${EMBEDDINGS_PROVIDERS.join(', ')}; it is ${JSON.stringify(v)}.`);
}

/** Reads the settings from MCP_WARDEN_MEMORY_* and MCP_WARDEN_EMBEDDINGS*; a malformed value is a CONFIG_INVALID error. */
export function memorySettingsFromEnv(env: NodeJS.ProcessEnv): MemorySettings {
  const optional = (v: string | undefined) => (v ? v : undefined);
  return {
    maxMemories: positiveInt(MEMORY_ENV.maxMemories, env[MEMORY_ENV.maxMemories]),
    maxBytes: positiveInt(MEMORY_ENV.maxBytes, env[MEMORY_ENV.maxBytes]),
    embeddings: {
      provider: provider(env[MEMORY_ENV.provider]),
      url: optional(env[MEMORY_ENV.url]),
      model: optional(env[MEMORY_ENV.model]),
      apiKeyEnv: optional(env[MEMORY_ENV.apiKeyEnv]),
    },
  };
}

/**
 * The variables that carry `settings` to a process (the inverse of memorySettingsFromEnv). Every variable is set,
 * empty when unset, so a value in the editor's own environment cannot override what the settings say.
 */
export function memorySettingsToEnv(settings: MemorySettings): Record<string, string> {
  const e = settings.embeddings;
  return {
    [MEMORY_ENV.maxMemories]: settings.maxMemories ? String(settings.maxMemories) : '',
    [MEMORY_ENV.maxBytes]: settings.maxBytes ? String(settings.maxBytes) : '',
    [MEMORY_ENV.provider]: e.provider,
    [MEMORY_ENV.url]: e.url ?? '',
    [MEMORY_ENV.model]: e.model ?? '',
    [MEMORY_ENV.apiKeyEnv]: e.apiKeyEnv ?? '',
  };
}

/** Checks settings that arrived over the protocol; a malformed message is a CONFIG_INVALID error, never half applied. */
export function checkMemorySettings(value: unknown): MemorySettings {
  const v = value as Partial<MemorySettings> | null;
  const bound = (name: string, n: unknown) => {
    if (n === null || n === undefined || n === 0) return null;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new WardenError('CONFIG_INVALID', `memory settings: ${name} must be a whole number of at least 0 or null.`);
    return n;
  };
  const text = (name: string, s: unknown) => {
    if (s === undefined || s === null || s === '') return undefined;
    if (typeof s !== 'string') throw new WardenError('CONFIG_INVALID', `memory settings: embeddings.${name} must be a string.`);
    return s;
  };
  if (typeof v !== 'object' || v === null) throw new WardenError('CONFIG_INVALID', 'memory settings must be an object.');
  const e = (v.embeddings ?? { provider: 'none' }) as Partial<EmbeddingsSettings>;
  if (!EMBEDDINGS_PROVIDERS.includes(e.provider as EmbeddingsProvider)) {
    throw new WardenError('CONFIG_INVALID', `memory settings: embeddings.provider must be one of ${EMBEDDINGS_PROVIDERS.join(', ')}.`);
  }
  return {
    maxMemories: bound('maxMemories', v.maxMemories),
    maxBytes: bound('maxBytes', v.maxBytes),
    embeddings: { provider: e.provider as EmbeddingsProvider, url: text('url', e.url), model: text('model', e.model), apiKeyEnv: text('apiKeyEnv', e.apiKeyEnv) },
  };
}
