// Memory search's analysis and query parsing: identifiers split and kept whole, stop words dropped from queries
// only, FTS5 grammar never reachable from input, JS porter stems equal to FTS5's, snippets mark the matched words.
import { strict as assert } from 'node:assert';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { analyze, analyzeGeneral, compounds, scanTokens } from '../../../src/helper/memory/search/analysis';
import { porterStem } from '../../../src/helper/memory/search/porter';
import { parseQuery } from '../../../src/helper/memory/search/query';
import { snippet } from '../../../src/helper/memory/search/snippet';

describe('memory search analysis', () => {
  it('indexes identifiers whole and as their parts', () => {
    assert.deepEqual(analyze('getUserById'), ['getuserbyid', 'get', 'user', 'by', 'id']);
    assert.deepEqual(analyze('RetryPolicyFactory'), ['retrypolicyfactory', 'retry', 'policy', 'factory']);
    assert.deepEqual(analyze('compute_invoice_total'), ['computeinvoicetotal', 'compute', 'invoice', 'total']);
    assert.deepEqual(analyze('FEATURE_DARK_MODE'), ['featuredarkmode', 'feature', 'dark', 'mode']);
    assert.deepEqual(analyze('src/config/parse.ts'), ['srcconfigparsets', 'src', 'config', 'parse', 'ts']);
    assert.deepEqual(analyze('e2e_tests/run_all.sh'), ['e2etestsrunallsh', 'e2e', 'tests', 'run', 'all', 'sh']);
    assert.deepEqual(analyze('HTTPServer in src/userService.ts'), ['httpserver', 'http', 'server', 'in', 'srcuserservicets', 'src', 'userservice', 'user', 'service', 'ts']);
    assert.deepEqual(analyze('Café naïve'), ['cafe', 'naive']);
  });

  it('gives the same tokens on its ASCII path as through the general (regular expression) path', () => {
    let seed = 7;
    const rand = () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32;
    const pieces = ['a', 'z', 'Q', 'HTTP', 'Server', 'get', 'ById', '0', '42', 'e2e', '_', '.', '/', '\\', ':', '-', ' ', '  ', '#', ',', '"', '*', 'The', 'ALL', 'x9Y', '\n', '\t', '__', '-.'];
    for (let i = 0; i < 5000; i++) {
      let text = '';
      const n = 1 + Math.floor(rand() * 12);
      for (let j = 0; j < n; j++) text += pieces[Math.floor(rand() * pieces.length)];
      assert.deepEqual(analyze(text), analyzeGeneral(text), JSON.stringify(text));
    }
    for (let c = 0; c < 128; c++) {
      const text = `ab${String.fromCharCode(c)}cd Ef${String.fromCharCode(c)}gH ${String.fromCharCode(c)}x`;
      assert.deepEqual(analyze(text), analyzeGeneral(text), JSON.stringify(text));
    }
  });

  it('gives FTS5 the raw text only when unicode61 finds exactly the analysed tokens in it', () => {
    const Driver = createRequire(__filename)('better-sqlite3') as typeof import('better-sqlite3');
    const db = new Driver(':memory:');
    db.exec(`CREATE VIRTUAL TABLE raw USING fts5(w, tokenize='porter unicode61 remove_diacritics 2');
      CREATE VIRTUAL TABLE analysed USING fts5(w, tokenize='porter unicode61 remove_diacritics 2');
      CREATE VIRTUAL TABLE rv USING fts5vocab(raw, 'instance'); CREATE VIRTUAL TABLE av USING fts5vocab(analysed, 'instance');`);
    let seed = 3;
    const rand = () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32;
    const pieces = ['the', 'The', 'Running', 'runs', 'a', 'Q', '42', 'x9', ' ', ' ', '  ', '.', ',', '-', '_', '/', '#', '!', '\n', '(', ')', 'Ab', 'ALL', 'getUser', 'café', 'e2e'];
    const ins = [db.prepare('INSERT INTO raw(rowid, w) VALUES (?, ?)'), db.prepare('INSERT INTO analysed(rowid, w) VALUES (?, ?)')];
    let trivial = 0;
    let other = 0;
    const sink = { word: () => {}, token: () => {} };
    for (let i = 1; i <= 3000; i++) {
      let text = '';
      const n = 1 + Math.floor(rand() * 10);
      for (let j = 0; j < n; j++) text += pieces[Math.floor(rand() * pieces.length)];
      if (!scanTokens(text, sink)) {
        other++;
        continue;
      }
      trivial++;
      ins[0]!.run(i, text);
      ins[1]!.run(i, analyze(text).join(' '));
    }
    assert.ok(trivial > 500 && other > 500, `${trivial} / ${other}`);
    const vocab = (t: string) => db.prepare(`SELECT term, doc, offset FROM ${t} ORDER BY doc, offset`).all();
    assert.deepEqual(vocab('rv'), vocab('av'));
    db.close();
  });

  it('splits text into the same tokens for snippets and queries (compounds) as for the index', () => {
    let seed = 11;
    const rand = () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32;
    const pieces = ['a', 'Q', 'Q0az', 'E2e', 'Ab1c', 'A', 'HTTP', 'Server', 'Engineer', 'get', 'ById', '0', '42', '_', '.', '/', '-', ' ', '#', 'The', 'ALL', 'x9Y', 'Café', 'ÉtÉ'];
    for (let i = 0; i < 3000; i++) {
      let text = '';
      const n = 1 + Math.floor(rand() * 10);
      for (let j = 0; j < n; j++) text += pieces[Math.floor(rand() * pieces.length)];
      const cs = compounds(text);
      assert.deepEqual(cs.flatMap((c) => c.tokens), analyzeGeneral(text), JSON.stringify(text));
      // One token is a plain word (its stop words may be dropped from a query); an identifier has its whole and parts.
      for (const c of cs) assert.equal(c.simple, c.tokens.length === 1, JSON.stringify(text));
    }
  });

  it('drops stop words from questions but keeps them inside identifiers and all-stop-word queries', () => {
    const q = parseQuery('when does the staging password rotate');
    assert.deepEqual(q.clauses.map((c) => c.stems[0]), ['stage', 'password', 'rotat']);
    assert.equal(q.match, '"staging" OR "password" OR "rotate"');
    assert.ok(parseQuery('getUserById').clauses.some((c) => c.fts === '"by"'));
    assert.equal(parseQuery('to be or not to be').clauses.length, 4);
  });

  it('keeps FTS5 operators, quotes and column filters literal', () => {
    assert.equal(parseQuery('NEAR(x y) OR c').match, '"near" OR "x" OR "y" OR "c"');
    assert.equal(parseQuery('"exact phrase" pre*').match, '"exact phrase" OR "pre"*');
    assert.equal(parseQuery("'; DROP TABLE x; --").match, '"drop" OR "table" OR "x"');
    assert.equal(parseQuery('content:drop ^x').match, '"contentdrop" OR "content" OR "drop" OR "x"');
    assert.throws(() => parseQuery('*** ()'), /no words/);
    assert.throws(() => parseQuery(42), /must be a string/);
  });

  it('makes the last word a prefix when typing', () => {
    assert.equal(parseQuery('sql', { prefixLast: true }).match, '"sql"*');
    assert.equal(parseQuery('sqlite wal ', { prefixLast: true }).match, '"sqlite" OR "wal"');
    assert.equal(parseQuery('retry pol', { prefixLast: true }).match, '"retry" OR "pol"*');
    assert.equal(parseQuery('sql').match, '"sql"');
  });

  it("never changes a word's first character when stemming (the phrase counter skips words by it)", () => {
    let seed = 3;
    const rand = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
    const letters = 'abcdefghijklmnopqrstuvwxyz0123456789yyeeiiss';
    const words = Array.from({ length: 50_000 }, () => Array.from({ length: 1 + Math.floor(rand() * 12) }, () => letters[Math.floor(rand() * letters.length)]).join(''));
    for (const w of ['y', 'ye', 'yes', 'ies', 'eed', 'ying', 'yy', 'ease', 'eee', 'ion', 'ate', 'able', 'ability', 'sses', 'ss', 'e', 'll']) words.push(w);
    const changed = words.filter((w) => porterStem(w)[0] !== w[0]);
    assert.deepEqual(changed.slice(0, 10), []);
  });

  it('stems exactly as FTS5 porter does', () => {
    const Driver = createRequire(__filename)('better-sqlite3') as typeof import('better-sqlite3');
    const db = new Driver(':memory:');
    db.exec("CREATE VIRTUAL TABLE f USING fts5(w, tokenize='porter unicode61 remove_diacritics 2'); CREATE VIRTUAL TABLE v USING fts5vocab(f, 'instance');");
    const bases = 'relate condition generous hope sky agree feed plaster bled motor sing conflat troubl siz hop tann fall hiss fizz fail fil happy triplic formal electric rational valenc digitiz conform radical differ analog predic sensibl oscill adopt allow irritat homolog communism activ angular effect depend adjust revival rotate password stage config parse deploy query retry policy factory invoice compute feature manager package user cache run test database connection pool migrate index webhook deliver proceed succeed bleed speed exceed by boy cry fly die lie caress pony tie cat'.split(' ');
    const suffixes = ['', 's', 'es', 'ed', 'ing', 'ly', 'ness', 'ation', 'ational', 'tional', 'izer', 'ization', 'ful', 'fulness', 'ive', 'ement', 'ment', 'ies', 'eed', 'able', 'ible', 'ally', 'ically', 'iveness', 'alism', 'aliti', 'iviti', 'biliti', 'ousli', 'entli', 'eli', 'alli', 'bli', 'enci', 'anci', 'logi', 'ator', 'icate', 'iciti', 'ical', 'ative', 'alize', 'ance', 'ence', 'er', 'ic', 'ant', 'ent', 'ion', 'ou', 'ism', 'ate', 'iti', 'ous', 'ize', 'e', 'll', 'y', 'ying', 'at', 'bl', 'iz', 'ss', 'sses'];
    const words = [...new Set(bases.flatMap((b) => suffixes.map((s) => b + s)))];
    const insert = db.prepare('INSERT INTO f(rowid, w) VALUES (?, ?)');
    db.transaction(() => words.forEach((w, i) => insert.run(i + 1, w)))();
    const rows = db.prepare('SELECT term, doc FROM v').all() as { term: string; doc: number }[];
    assert.ok(rows.length > 5000);
    const wrong = rows.filter((r) => porterStem(words[r.doc - 1]!) !== r.term).map((r) => `${words[r.doc - 1]}: fts5 ${r.term}, ours ${porterStem(words[r.doc - 1]!)}`);
    assert.deepEqual(wrong.slice(0, 10), []);
    db.close();
  });

  it('highlights the words that matched, inflections and identifiers included', () => {
    const q = parseQuery('rotate password getUserById');
    assert.equal(snippet('The staging password rotates every Tuesday; see getUserById.', q.clauses), 'The staging **password** **rotates** every Tuesday; see **getUserById**.');
    assert.equal(snippet('nothing here', q.clauses), null);
    const long = `${'filler words '.repeat(50)}the password is here ${'more filler '.repeat(50)}`;
    const s = snippet(long, q.clauses)!;
    assert.match(s, /^….*\*\*password\*\*.*…$/);
    assert.ok(s.length < 300);
  });
});
