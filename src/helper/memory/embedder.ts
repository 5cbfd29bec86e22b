// Optional embedding providers. None by default (full-text only); an OpenAI-compatible or Ollama endpoint when
// configured. A provider that is down never fails a save or a search: callers fall back to full-text with a warning.

export interface Embedder {
  readonly description: string;
  embed(texts: string[]): Promise<Float32Array[]>;
}

export interface EmbedderConfig {
  provider: 'none' | 'openai' | 'ollama';
  url?: string;
  model?: string;
  apiKeyEnv?: string;
  timeoutMs?: number;
}

async function postJson(url: string, body: unknown, headers: Record<string, string>, timeoutMs: number): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!res.ok) throw new Error(`${url} answered HTTP ${res.status}`);
  return res.json();
}

export function createEmbedder(config: EmbedderConfig | undefined): Embedder | null {
  if (!config || config.provider === 'none') return null;
  const timeoutMs = config.timeoutMs ?? 10_000;
  if (config.provider === 'openai') {
    const url = `${(config.url ?? 'https://api.openai.com').replace(/\/$/, '')}/v1/embeddings`;
    const key = config.apiKeyEnv ? process.env[config.apiKeyEnv] : process.env.OPENAI_API_KEY;
    return {
      description: `OpenAI-compatible embeddings at ${url}`,
      async embed(texts) {
        const r = (await postJson(url, { input: texts, model: config.model ?? 'text-embedding-3-small' }, key ? { authorization: `Bearer ${key}` } : {}, timeoutMs)) as {
          data: { embedding: number[] }[];
        };
        return r.data.map((d) => Float32Array.from(d.embedding));
      },
    };
  }
  const url = `${(config.url ?? 'http://127.0.0.1:11434').replace(/\/$/, '')}/api/embeddings`;
  return {
    description: `Ollama embeddings at ${url}`,
    async embed(texts) {
      const out: Float32Array[] = [];
      for (const prompt of texts) {
        const r = (await postJson(url, { model: config.model ?? 'nomic-embed-text', prompt }, {}, timeoutMs)) as { embedding: number[] };
        out.push(Float32Array.from(r.embedding));
      }
      return out;
    },
  };
}
