// The byte format of one term's postings in one segment, in impact order that holds whatever the corpus averages
// become: grouped by term frequency (highest first), each group sorted by document length (shortest first), so
// within a group BM25 never increases along the list for any avgdl, idf or k1/b. Rowids are delta-coded within
// runs of equal length. A group cursor decodes lazily: a top-k search reads only the heads it needs.

export interface Posting {
  rowid: number;
  tf: number;
  dl: number;
}

class Writer {
  private buf = Buffer.allocUnsafe(256);
  private len = 0;

  varint(v: number): void {
    if (this.len + 10 > this.buf.length) {
      const next = Buffer.allocUnsafe(this.buf.length * 2);
      this.buf.copy(next, 0, 0, this.len);
      this.buf = next;
    }
    while (v >= 0x80) {
      this.buf[this.len++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.len++] = v;
  }

  bytes(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.len));
  }
}

/** Impact order: tf descending, then length ascending, then rowid descending. */
function sortByImpact(postings: Posting[]): Posting[] {
  let ascending = true;
  for (let i = 1; i < postings.length && ascending; i++) ascending = postings[i - 1]!.rowid < postings[i]!.rowid;
  if (!ascending) return postings.sort((a, b) => b.tf - a.tf || a.dl - b.dl || b.rowid - a.rowid);
  // The usual case (a segment's memories in rowid order): bucket by tf walking backwards (rowid descending), then a
  // stable sort by length alone keeps that order among equal lengths; a third of the cost of the full comparator.
  const byTf = new Map<number, Posting[]>();
  for (let i = postings.length - 1; i >= 0; i--) {
    const p = postings[i]!;
    let g = byTf.get(p.tf);
    if (!g) byTf.set(p.tf, (g = []));
    g.push(p);
  }
  const out: Posting[] = [];
  for (const tf of [...byTf.keys()].sort((a, b) => b - a)) out.push(...byTf.get(tf)!.sort((a, b) => a.dl - b.dl));
  return out;
}

/** Encodes postings (any order) as: group count, per group its tf, entry count and byte length, then the groups. */
export function encodePostings(input: Posting[]): Buffer {
  const postings = sortByImpact(input);
  const groups: [number, number][] = [];
  for (const p of postings) {
    const last = groups[groups.length - 1];
    if (last && last[0] === p.tf) last[1]++;
    else groups.push([p.tf, 1]);
  }
  const bodies: Buffer[] = [];
  let i = 0;
  for (const [, n] of groups) {
    const g = new Writer();
    let prevDl = 0;
    let prevRowid = 0;
    for (let j = 0; j < n; j++, i++) {
      const p = postings[i]!;
      // Each group starts a fresh run (prevDl 0), so groups decode independently.
      g.varint(p.dl - prevDl);
      g.varint(j > 0 && p.dl === prevDl ? prevRowid - p.rowid : p.rowid);
      prevDl = p.dl;
      prevRowid = p.rowid;
    }
    bodies.push(g.bytes());
  }
  const w = new Writer();
  w.varint(groups.length);
  groups.forEach(([tf, n], k) => {
    w.varint(tf);
    w.varint(n);
    w.varint(bodies[k]!.length);
  });
  return Buffer.concat([w.bytes(), ...bodies]);
}

/** Reads one group's entries in order. */
export class GroupCursor {
  private left: number;
  private prevDl = 0;
  private prevRowid = 0;
  private first = true;
  /** The current entry (valid while !done). */
  rowid = 0;
  dl = 0;

  constructor(
    private readonly buf: Buffer,
    private pos: number,
    count: number,
    readonly tf: number,
  ) {
    this.left = count;
    this.next();
  }

  get done(): boolean {
    return this.left < 0;
  }

  private varint(): number {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = this.buf[this.pos++]!;
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 128;
    }
  }

  /** Moves to the next entry (done when there is none). */
  next(): void {
    if (this.left-- <= 0) {
      this.left = -1;
      return;
    }
    const dl = this.prevDl + this.varint();
    const r = this.varint();
    this.rowid = !this.first && dl === this.prevDl ? this.prevRowid - r : r;
    this.first = false;
    this.dl = dl;
    this.prevDl = dl;
    this.prevRowid = this.rowid;
  }
}

/** A cursor on each tf group of an encoded postings blob. */
export function groupCursors(buf: Buffer): GroupCursor[] {
  let pos = 0;
  const varint = () => {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = buf[pos++]!;
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 128;
    }
  };
  const n = varint();
  const groups: [number, number, number][] = [];
  for (let i = 0; i < n; i++) groups.push([varint(), varint(), varint()]);
  const cursors: GroupCursor[] = [];
  for (const [tf, count, bytes] of groups) {
    cursors.push(new GroupCursor(buf, pos, count, tf));
    pos += bytes;
  }
  return cursors;
}
