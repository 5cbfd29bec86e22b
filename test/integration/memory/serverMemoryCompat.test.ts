// `memory-server --compat server-memory` against the real @modelcontextprotocol/server-memory, both spawned through
// the SDK client: the same tools, the same random sequence of operations giving the same graph and the same answers,
// search_nodes finding at least what server-memory finds (best matches first), two processes writing at once losing
// nothing, read_graph bounded and paged, and a user's MEMORY_FILE_PATH graph brought along on the first start.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { PAGE_BYTES } from '../../../src/helper/memory/compat/pageBudget';
import { MemoryStore } from '../../../src/helper/memory/store';
import { SCHEMA_VERSION } from '../../../src/helper/memory/db';
import { GraphSearch } from '../../../src/helper/memory/compat/graphSearch';
import { GraphStore } from '../../../src/helper/memory/compat/graphStore';
import { repoRoot, tempDir } from '../../support/fixtures';
import { SeenProcesses, killAll } from '../../support/procfs';

const cli = join(repoRoot, 'dist/cli.js');
const official = join(repoRoot, 'node_modules/@modelcontextprotocol/server-memory/dist/index.js');
/** Every process this file starts, by pid and start time: a pid reused after ours exited is neither a leak nor killed. */
const pids = new SeenProcesses();
const clients: Client[] = [];
after(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  const leaked = pids.alive();
  killAll(leaked);
  assert.deepEqual(leaked, [], 'processes this file started are still running');
});

interface Entity {
  name: string;
  entityType: string;
  observations: string[];
}
interface Relation {
  from: string;
  to: string;
  relationType: string;
}
interface Graph {
  entities: Entity[];
  relations: Relation[];
  nextCursor?: string;
}
interface Result {
  isError?: boolean;
  content: { type: string; text: string }[];
  structuredContent?: Record<string, unknown>;
}

async function connect(args: string[], env: Record<string, string> = {}): Promise<Client> {
  const transport = new StdioClientTransport({ command: process.execPath, args, env: { ...(process.env as Record<string, string>), ...env }, stderr: 'ignore' });
  const client = new Client({ name: 'compat-test', version: '1.0.0' });
  await client.connect(transport);
  pids.add(transport.pid!);
  clients.push(client);
  return client;
}

const ours = (stateDir: string, env: Record<string, string> = {}) => connect([cli, 'memory-server', '--compat', 'server-memory', '--state-dir', stateDir], env);
const theirs = (file: string) => connect([official], { MEMORY_FILE_PATH: file });

async function call(c: Client, name: string, args: Record<string, unknown>): Promise<Result> {
  return (await c.callTool({ name, arguments: args }, undefined, { timeout: 60_000 })) as Result;
}

/** Our graph, every page of it. */
async function readAll(c: Client): Promise<Graph> {
  const all: Graph = { entities: [], relations: [] };
  let cursor: string | undefined;
  for (let i = 0; i < 10_000; i++) {
    const page = (await call(c, 'read_graph', cursor ? { cursor } : {})).structuredContent as unknown as Graph;
    all.entities.push(...page.entities);
    all.relations.push(...page.relations);
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  return all;
}

function normalized(g: Graph): { entities: Entity[]; relations: string[] } {
  return {
    entities: [...g.entities].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    relations: g.relations.map((r) => JSON.stringify([r.from, r.to, r.relationType])).sort(),
  };
}

/** A small deterministic PRNG (mulberry32), so a failing sequence can be replayed from its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = ['Alice', 'Bob', 'Carol', 'Dave', 'Erin', 'Frank', 'Grace', 'Heidi', 'Ivan', 'Judy', 'Mallory', 'Niaj', 'Olivia', 'Peggy', 'Rupert', 'Sybil', 'Trent', 'Victor', 'Walter', 'Billing', 'Checkout', 'Postgres', 'Kafka', 'Redis'];
const TYPES = ['person', 'service', 'database', 'team', 'project'];
const WORDS = ['prefers', 'tabs', 'spaces', 'coffee', 'tea', 'billing', 'deploys', 'fridays', 'written', 'rust', 'go', 'typescript', 'owns', 'oncall', 'rotation', 'migration', 'postgres', 'latency', 'budget', 'review', 'staging', 'password', 'rotates', 'tuesday', 'cache', 'eviction', 'policy', 'invoice', 'total', 'dark', 'mode'];
const RELATIONS = ['works_on', 'owns', 'depends_on', 'reports_to', 'uses'];

function generator(seed: number) {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const distinct = <T>(xs: readonly T[], n: number): T[] => [...new Set(Array.from({ length: n }, () => pick(xs)))];
  const sentence = () => Array.from({ length: 2 + Math.floor(r() * 5) }, () => pick(WORDS)).join(' ');
  const observations = () => Array.from({ length: Math.floor(r() * 4) }, sentence);
  const relation = () => ({ from: pick(NAMES), to: pick(NAMES), relationType: pick(RELATIONS) });
  const distinctRelations = (n: number) => [...new Map(Array.from({ length: n }, relation).map((x) => [JSON.stringify(x), x])).values()];
  return {
    r,
    pick,
    next(): { tool: string; args: Record<string, unknown> } {
      const x = r();
      // Names are distinct within one call (server-memory would store a name given twice in one call twice).
      if (x < 0.25) return { tool: 'create_entities', args: { entities: distinct(NAMES, 1 + Math.floor(r() * 3)).map((name) => ({ name, entityType: pick(TYPES), observations: observations() })) } };
      if (x < 0.4) return { tool: 'create_relations', args: { relations: distinctRelations(1 + Math.floor(r() * 3)) } };
      if (x < 0.6) return { tool: 'add_observations', args: { observations: distinct(NAMES, 1 + Math.floor(r() * 2)).map((entityName) => ({ entityName, contents: Array.from({ length: 1 + Math.floor(r() * 2) }, sentence) })) } };
      if (x < 0.65) return { tool: 'delete_entities', args: { entityNames: distinct(NAMES, 1 + Math.floor(r() * 2)) } };
      if (x < 0.72) return { tool: 'delete_observations', args: { deletions: [{ entityName: pick(NAMES), observations: [sentence()] }] } };
      if (x < 0.78) return { tool: 'delete_relations', args: { relations: [relation()] } };
      if (x < 0.86) return { tool: 'open_nodes', args: { names: distinct(NAMES, 1 + Math.floor(r() * 3)) } };
      const q = r();
      // Whole words, names, types, a fragment of a name or word (substring matching), and a two-word phrase.
      const query = q < 0.4 ? pick(WORDS) : q < 0.55 ? pick(NAMES) : q < 0.65 ? pick(TYPES) : q < 0.8 ? pick([...NAMES, ...WORDS]).slice(0, 3).toLowerCase() : `${pick(WORDS)} ${pick(WORDS)}`;
      return { tool: 'search_nodes', args: { query } };
    },
  };
}

describe('memory-server --compat server-memory', () => {
  it('offers exactly server-memory\'s tools with its titles, arguments, result shapes and annotations', async () => {
    const a = await theirs(join(tempDir('compat-tools-a'), 'memory.jsonl'));
    const b = await ours(tempDir('compat-tools-b'));
    const ta = new Map((await a.listTools()).tools.map((t) => [t.name, t]));
    const tb = new Map((await b.listTools()).tools.map((t) => [t.name, t]));
    assert.deepEqual([...tb.keys()].sort(), [...ta.keys()].sort());
    assert.equal(ta.size, 9);
    for (const [name, t] of ta) {
      const u = tb.get(name)!;
      assert.equal(u.title, t.title, name);
      assert.deepEqual(u.annotations, t.annotations, name);
      assert.deepEqual(u.inputSchema.required, t.inputSchema.required, name);
      // Ours may add an optional `cursor`, nothing else; every argument of theirs has the same schema.
      const extra = Object.keys(u.inputSchema.properties ?? {}).filter((k) => !(k in (t.inputSchema.properties ?? {})));
      assert.ok(extra.every((k) => k === 'cursor'), `${name}: extra arguments ${extra.join(', ')}`);
      for (const [k, v] of Object.entries(t.inputSchema.properties ?? {})) assert.deepEqual((u.inputSchema.properties as Record<string, unknown>)[k], v, `${name}.${k}`);
      for (const [k, v] of Object.entries(t.outputSchema?.properties ?? {})) assert.deepEqual((u.outputSchema?.properties as Record<string, unknown>)[k], v, `${name} result ${k}`);
      if (!['read_graph', 'search_nodes'].includes(name)) assert.equal(u.description, t.description, name);
    }
  });

  it('refuses an unknown --compat value with a usage error', () => {
    const r = spawnSync(process.execPath, [cli, 'memory-server', '--compat', 'server-everything', '--state-dir', tempDir('compat-bad')], { encoding: 'utf8', timeout: 60_000, input: '' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--compat takes "server-memory"/);
  });

  for (const seed of [1, 7, 42]) {
    it(`gives the same answers and the same graph as server-memory for a random sequence of 250 operations (seed ${seed})`, async () => {
      const file = join(tempDir(`compat-seq-a-${seed}`), 'memory.jsonl');
      const a = await theirs(file);
      const stateDir = tempDir(`compat-seq-b-${seed}`);
      const b = await ours(stateDir);
      const gen = generator(seed);
      let searches = 0;
      let found = 0;
      for (let i = 0; i < 250; i++) {
        const { tool, args } = gen.next();
        const ra = await call(a, tool, args);
        const rb = await call(b, tool, args);
        const where = `op ${i} ${tool} ${JSON.stringify(args)}`;
        assert.equal(!!rb.isError, !!ra.isError, `${where}: ${rb.content[0]?.text} vs ${ra.content[0]?.text}`);
        if (ra.isError) {
          assert.equal(rb.content[0]!.text, ra.content[0]!.text, where);
          continue;
        }
        if (tool === 'search_nodes') {
          searches++;
          const ga = ra.structuredContent as unknown as Graph;
          const gb = rb.structuredContent as unknown as Graph;
          const mine = new Map(gb.entities.map((e) => [e.name, e]));
          for (const e of ga.entities) assert.deepEqual(mine.get(e.name), e, `${where}: server-memory found ${e.name}, we did not`);
          const myRelations = new Set(normalized(gb).relations);
          for (const rel of normalized(ga).relations) assert.ok(myRelations.has(rel), `${where}: relation ${rel} missing`);
          if (ga.entities.length) found++;
        } else if (tool === 'open_nodes') {
          assert.deepEqual(normalized(rb.structuredContent as unknown as Graph), normalized(ra.structuredContent as unknown as Graph), where);
        } else {
          // Mutations: the same result, in the same order (what was created, what was added, the same message).
          assert.deepEqual(rb.structuredContent, ra.structuredContent, where);
          assert.equal(rb.content[0]!.text, ra.content[0]!.text, where);
        }
        if (i % 50 === 49) assert.deepEqual(normalized(await readAll(b)), normalized((await call(a, 'read_graph', {})).structuredContent as unknown as Graph), `graph after op ${i}`);
      }
      const final = await readAll(b);
      assert.deepEqual(normalized(final), normalized((await call(a, 'read_graph', {})).structuredContent as unknown as Graph));
      assert.ok(final.entities.length > 5, 'the sequence built a real graph');
      assert.ok(searches > 20 && found > 5, `searches ${searches}, with results ${found}`);
      // The substring index holds exactly the rows (names, types, observations): nothing stale after deletes.
      const db = MemoryStore.open(join(stateDir, 'memory.db'));
      const q = (sql: string) => db.database.prepare(sql).pluck().get() as number;
      assert.equal(q('SELECT count(*) FROM kg_substrings'), 2 * q('SELECT count(*) FROM kg_entities') + q('SELECT count(*) FROM kg_observations'));
      assert.equal(q('SELECT count(*) FROM kg_substrings s WHERE s.rowid > 0 AND NOT EXISTS (SELECT 1 FROM kg_observations o WHERE o.id = s.rowid)'), 0);
      assert.equal(q('SELECT count(*) FROM kg_substrings s WHERE s.rowid < 0 AND NOT EXISTS (SELECT 1 FROM kg_entities e WHERE e.id = (-s.rowid) / 2)'), 0);
      db.close();
    });
  }

  it('ranks search_nodes: the entity about the query first, substring-only matches after the ranked ones', async () => {
    const b = await ours(tempDir('compat-rank'));
    const filler = 'notes about unrelated things like lunch and weather '.repeat(8);
    await call(b, 'create_entities', {
      entities: [
        { name: 'Lunch', entityType: 'topic', observations: [`${filler} and once the cache`] },
        { name: 'CachePolicy', entityType: 'decision', observations: ['the cache eviction policy: cache entries expire after an hour', 'cache size is bounded'] },
        { name: 'Cachet', entityType: 'product', observations: ['a status page product'] },
        { name: 'Weather', entityType: 'topic', observations: ['sunny'] },
      ],
    });
    const g = (await call(b, 'search_nodes', { query: 'cache' })).structuredContent as unknown as Graph;
    // "Cachet" contains "cache" as a substring only: server-memory finds it, so we do, after the ranked matches.
    assert.deepEqual(g.entities.map((e) => e.name), ['CachePolicy', 'Lunch', 'Cachet']);
    // No words to rank (empty, or punctuation only): server-memory's substring rule still answers.
    assert.equal(((await call(b, 'search_nodes', { query: '' })).structuredContent as unknown as Graph).entities.length, 4);
    assert.deepEqual(((await call(b, 'search_nodes', { query: ':' })).structuredContent as unknown as Graph).entities.map((e) => e.name), ['CachePolicy']);
    const a = await theirs(join(tempDir('compat-rank-a'), 'memory.jsonl'));
    await call(a, 'create_entities', { entities: [{ name: 'Lunch', entityType: 'topic', observations: [`${filler} and once the cache`] }, { name: 'CachePolicy', entityType: 'decision', observations: ['the cache eviction policy: cache entries expire after an hour', 'cache size is bounded'] }] });
    // server-memory answers in file order, whatever matches best.
    assert.deepEqual(((await call(a, 'search_nodes', { query: 'cache' })).structuredContent as unknown as Graph).entities.map((e) => e.name), ['Lunch', 'CachePolicy']);
  });

  it('loses no write when two processes write at once', async (t) => {
    const stateDir = tempDir('compat-concurrent');
    const [p, q] = [await ours(stateDir), await ours(stateDir)];
    await call(p, 'create_entities', { entities: [{ name: 'Shared', entityType: 'log', observations: [] }] });
    const writes = (c: Client, tag: string) =>
      Promise.all(
        Array.from({ length: 60 }, async (_, i) => {
          await call(c, 'create_entities', { entities: [{ name: `${tag}-${i}`, entityType: 'item', observations: [`made by ${tag}`] }] });
          await call(c, 'add_observations', { observations: [{ entityName: 'Shared', contents: [`${tag} wrote ${i}`] }] });
          await call(c, 'create_relations', { relations: [{ from: `${tag}-${i}`, to: 'Shared', relationType: 'logs_to' }] });
        }),
      );
    await Promise.all([writes(p, 'p'), writes(q, 'q')]);
    const g = await readAll(p);
    assert.equal(g.entities.length, 121);
    assert.equal(g.relations.length, 120);
    assert.equal(g.entities.find((e) => e.name === 'Shared')!.observations.length, 120);
    // Both processes see the other's writes, and search finds them through the store's index.
    assert.equal(((await call(q, 'open_nodes', { names: ['p-7'] })).structuredContent as unknown as Graph).entities.length, 1);
    assert.ok(((await call(q, 'search_nodes', { query: 'wrote' })).structuredContent as unknown as Graph).entities.some((e) => e.name === 'Shared'));
    // The same against two server-memory processes on one file, for the record (not asserted: it is theirs).
    const file = join(tempDir('compat-concurrent-a'), 'memory.jsonl');
    const [pa, qa] = [await theirs(file), await theirs(file)];
    await call(pa, 'create_entities', { entities: [{ name: 'Shared', entityType: 'log', observations: [] }] });
    await Promise.all([writes(pa, 'p'), writes(qa, 'q')]);
    const ga = (await call(pa, 'read_graph', {})).structuredContent as unknown as Graph;
    t.diagnostic(`server-memory kept ${ga.entities.length} of 121 entities, ${ga.relations.length} of 120 relations, ${ga.entities.find((e) => e.name === 'Shared')?.observations.length ?? 0} of 120 observations`);
  });

  it('pages a large read_graph within its bound; walking the cursors gives every entity and relation once', async () => {
    const b = await ours(tempDir('compat-pages'));
    const obs = 'an observation long enough to make the graph large when there are many of them';
    for (let k = 0; k < 6; k++) {
      await call(b, 'create_entities', { entities: Array.from({ length: 250 }, (_, i) => ({ name: `E${k * 250 + i}`, entityType: 'thing', observations: [obs, `${obs} ${i}`] })) });
      await call(b, 'create_relations', { relations: Array.from({ length: 250 }, (_, i) => ({ from: `E${k * 250 + i}`, to: `E${(k * 250 + i + 1) % 1500}`, relationType: 'next' })) });
    }
    const first = await call(b, 'read_graph', {});
    const page = first.structuredContent as unknown as Graph;
    assert.ok(page.nextCursor, 'a 1,500-entity graph does not come in one answer');
    assert.ok(first.content[0]!.text.length < PAGE_BYTES * 1.6, `first page is ${first.content[0]!.text.length} characters`);
    const all = await readAll(b);
    assert.equal(all.entities.length, 1500);
    assert.equal(new Set(all.entities.map((e) => e.name)).size, 1500);
    assert.equal(all.relations.length, 1500);
    const bad = await call(b, 'read_graph', { cursor: 'not-a-cursor' });
    assert.equal(bad.isError, true);
    assert.match(bad.content[0]!.text, /cursor/);
  });

  it('gives a v8 database its substring index from the rows it holds (migration v9)', async () => {
    const path = join(tempDir('compat-v9'), 'memory.db');
    const s = MemoryStore.open(path);
    const g = new GraphStore(s);
    g.createEntities([{ name: 'Ada', entityType: 'person', observations: ['wrote the first program'] }, { name: 'Grace', entityType: 'person', observations: ['found a moth in the relay'] }]);
    s.database.exec(`DROP TRIGGER kg_entities_ad; DROP TRIGGER kg_observations_ad; DROP TABLE kg_substrings; PRAGMA user_version = 8;`);
    s.close();
    const migrated = MemoryStore.open(path);
    assert.equal(migrated.database.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    const search = new GraphSearch(new GraphStore(migrated));
    // "oth" is inside "moth" only: found through the rebuilt trigram index, not the ranked search.
    assert.deepEqual((await search.search('OTH')).entities.map((e) => e.name), ['Grace']);
    assert.deepEqual((await search.search('rst pro')).entities.map((e) => e.name), ['Ada']);
    migrated.close();
  });

  it("brings a server-memory user's graph along from MEMORY_FILE_PATH on the first start, once", async () => {
    const file = join(tempDir('compat-switch-a'), 'memory.jsonl');
    const a = await theirs(file);
    const gen = generator(99);
    for (let i = 0; i < 80; i++) {
      const { tool, args } = gen.next();
      if (!['search_nodes', 'open_nodes'].includes(tool)) await call(a, tool, args);
    }
    const theirGraph = (await call(a, 'read_graph', {})).structuredContent as unknown as Graph;
    assert.ok(existsSync(file) && theirGraph.entities.length > 3);
    // The user changes the command only; the same MEMORY_FILE_PATH stays in their config.
    const stateDir = tempDir('compat-switch-b');
    const b = await ours(stateDir, { MEMORY_FILE_PATH: file });
    assert.deepEqual(normalized(await readAll(b)), normalized(theirGraph));
    const gone = theirGraph.entities[0]!.name;
    await call(b, 'delete_entities', { entityNames: [gone] });
    await b.close();
    const again = await ours(stateDir, { MEMORY_FILE_PATH: file });
    assert.equal((await readAll(again)).entities.some((e) => e.name === gone), false, 'the file is not imported a second time');
  });
});
