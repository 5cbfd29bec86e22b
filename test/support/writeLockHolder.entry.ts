// A separate process that holds a write transaction on a memory database until its stdin closes (for the
// "reads never wait for writers" test): it prints "locked" once BEGIN IMMEDIATE and an insert have run.
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

const Driver = createRequire(__filename)('better-sqlite3') as typeof BetterSqlite3;
const db = new Driver(process.argv[2]!, { timeout: 5000 });
db.exec('BEGIN IMMEDIATE');
db.prepare('UPDATE memory_totals SET content_bytes = content_bytes WHERE id = 1').run();
process.stdout.write('locked\n');
process.stdin.resume();
process.stdin.on('end', () => {
  db.exec('COMMIT');
  db.close();
  process.exit(0);
});
