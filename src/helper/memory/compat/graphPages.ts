// read_graph in pages: entities in creation order, then relations, each page within the PageFiller's bound.
import type { GraphStore } from './graphStore';
import type { Entity, GraphPage, Relation } from './graphTypes';
import { decodeCursor, encodeCursor, PageFiller } from './pageBudget';

interface ReadCursor extends Record<string, unknown> {
  /** 'e': entities after id `a`; 'r': relations after id `a`. */
  p: 'e' | 'r';
  a: number;
}

const isReadCursor = (v: Record<string, unknown>): v is ReadCursor => (v.p === 'e' || v.p === 'r') && Number.isInteger(v.a) && (v.a as number) >= 0;

const BATCH = 100;

export function readGraphPage(graph: GraphStore, cursor?: string): GraphPage {
  let { p, a } = cursor ? decodeCursor(cursor, isReadCursor) : { p: 'e' as const, a: 0 };
  return graph.read(() => {
    const page = new PageFiller<{ kind: 'e'; v: Entity } | { kind: 'r'; v: Relation }>();
    let next: ReadCursor | null = null;
    while (!next && p === 'e') {
      const batch = graph.withObservations(graph.entitiesAfter(a, BATCH));
      for (const e of batch) {
        if (!page.add({ kind: 'e', v: { name: e.name, entityType: e.entityType, observations: e.observations } })) {
          next = { p: 'e', a };
          break;
        }
        a = e.id;
      }
      if (!next && batch.length < BATCH) {
        p = 'r';
        a = 0;
      }
    }
    while (!next) {
      const batch = graph.relationsAfter(a, BATCH);
      for (const r of batch) {
        if (!page.add({ kind: 'r', v: { from: r.from, to: r.to, relationType: r.relationType } })) {
          next = { p: 'r', a };
          break;
        }
        a = r.id;
      }
      if (batch.length < BATCH) break;
    }
    const out: GraphPage = {
      entities: page.items.filter((i) => i.kind === 'e').map((i) => i.v as Entity),
      relations: page.items.filter((i) => i.kind === 'r').map((i) => i.v as Relation),
    };
    if (next) out.nextCursor = encodeCursor(next);
    return out;
  });
}
