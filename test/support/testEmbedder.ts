// A deterministic local embedder for tests and benchmarks: hashed character trigrams of each word (with word
// boundaries) into 256 dimensions. No model, no network; texts sharing word pieces ("rotate"/"rotation") land near.
import { createHash } from 'node:crypto';
import type { Embedder } from '../../src/helper/memory/embedder';

const DIM = 256;

function bucket(gram: string): number {
  return createHash('md5').update(gram).digest().readUInt32LE(0) % DIM;
}

export function embedText(text: string): Float32Array {
  const v = new Float32Array(DIM);
  for (const w of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    const padded = `^${w}$`;
    for (let i = 0; i + 3 <= padded.length; i++) v[bucket(padded.slice(i, i + 3))]! += 1;
  }
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < DIM; i++) v[i]! /= norm;
  return v;
}

export function testEmbedder(): Embedder {
  return { description: 'test trigram embedder', embed: async (texts) => texts.map(embedText) };
}
