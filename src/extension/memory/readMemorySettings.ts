// Reads and checks the memory store's settings (mcpWarden.memory.*). Kept apart from the controller, without the
// vscode module, so unit tests can run it.
import { EMBEDDINGS_PROVIDERS, type EmbeddingsProvider, type MemorySettings } from '../../shared/memorySettings';

const MB = 1024 * 1024;

export interface MemorySettingsReadResult {
  settings: MemorySettings;
  problems: string[];
}

/** `get` reads a key under "mcpWarden." (as WorkspaceConfiguration.get does); a bad value is a problem and the default. */
export function readMemorySettings(get: (key: string) => unknown, isSet: (key: string) => boolean = () => false): MemorySettingsReadResult {
  const problems: string[] = [];
  const limit = (key: string, scale: number): number | null => {
    const v = get(key);
    if (v === undefined || v === null || v === 0) return null;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      problems.push(`mcpWarden.${key} must be a number of at least 0 (0: no limit); got ${JSON.stringify(v)}, so there is no limit`);
      return null;
    }
    return Math.max(1, Math.round(v * scale));
  };
  const text = (key: string): string | undefined => {
    const v = get(key);
    if (typeof v === 'string' && v.trim()) return v.trim();
    if (v !== undefined && v !== null && v !== '') problems.push(`mcpWarden.${key} must be a string; got ${JSON.stringify(v)}`);
    return undefined;
  };
  let provider = get('memory.embeddings.provider') ?? 'none';
  if (!EMBEDDINGS_PROVIDERS.includes(provider as EmbeddingsProvider)) {
    problems.push(`mcpWarden.memory.embeddings.provider must be one of ${EMBEDDINGS_PROVIDERS.join(', ')}; got ${JSON.stringify(provider)}, so memories are saved without embeddings`);
    provider = 'none';
  }
  const url = text('memory.embeddings.url');
  if (url && !/^https?:\/\//i.test(url)) problems.push(`mcpWarden.memory.embeddings.url must start with http:// or https://; got ${JSON.stringify(url)}`);
  const apiKeyEnv = text('memory.embeddings.apiKeyEnv');
  if (apiKeyEnv && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(apiKeyEnv)) {
    problems.push(`mcpWarden.memory.embeddings.apiKeyEnv is the name of an environment variable holding the key (like OPENAI_API_KEY), not the key itself`);
  }
  return {
    settings: {
      maxMemories: limit('memory.maxMemories', 1),
      // 'memory.maxMegabytes' is the setting's old name (its label carried the unit); used while the new one is unset.
      maxBytes: limit(!isSet('memory.maxSize') && isSet('memory.maxMegabytes') ? 'memory.maxMegabytes' : 'memory.maxSize', MB),
      embeddings: {
        provider: provider as EmbeddingsProvider,
        url: url && /^https?:\/\//i.test(url) ? url : undefined,
        model: text('memory.embeddings.model'),
        apiKeyEnv: apiKeyEnv && /^[A-Za-z_][A-Za-z0-9_]*$/.test(apiKeyEnv) ? apiKeyEnv : undefined,
      },
    },
    problems,
  };
}
