// The search recall set (test/fixtures/recall): coding-agent memories with keys, and natural questions that each
// name the memory that answers them; plus recall@1, recall@5 and MRR of any search over it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './fixtures';

export interface RecallMemory {
  key: string;
  content: string;
}

export interface RecallQuestion {
  answer: string;
  question: string;
}

function tsv(name: string): [string, string][] {
  return readFileSync(join(repoRoot, 'test/fixtures/recall', name), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const tab = l.indexOf('\t');
      return [l.slice(0, tab), l.slice(tab + 1)];
    });
}

export function recallMemories(): RecallMemory[] {
  return tsv('memories.tsv').map(([key, content]) => ({ key, content }));
}

export function recallQuestions(): RecallQuestion[] {
  return tsv('questions.tsv').map(([answer, question]) => ({ answer, question }));
}

export interface RecallFigures {
  questions: number;
  recallAt1: number;
  recallAt5: number;
  mrr: number;
  /** Questions whose answer was not in the top 5 (for failure messages). */
  missed: string[];
}

/** Runs every question through `search` (which returns memory keys, best first) and scores the answers. */
export async function evaluateRecall(search: (question: string) => Promise<string[]>): Promise<RecallFigures> {
  const qs = recallQuestions();
  let at1 = 0;
  let at5 = 0;
  let rr = 0;
  const missed: string[] = [];
  for (const q of qs) {
    const keys = await search(q.question);
    const rank = keys.indexOf(q.answer);
    if (rank === 0) at1++;
    if (rank >= 0 && rank < 5) at5++;
    else missed.push(`${q.question} → ${q.answer} (got ${keys.slice(0, 3).join(', ') || 'nothing'})`);
    if (rank >= 0) rr += 1 / (rank + 1);
  }
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return { questions: qs.length, recallAt1: round(at1 / qs.length), recallAt5: round(at5 / qs.length), mrr: round(rr / qs.length), missed };
}
