/**
 * Whole-document save and load at 10, 200 and 5,000 messages: our store vs the raw driver vs peer libraries, on the
 * same server in one process, in alternating rounds. Each save overwrites one of 8 sessions with a changed first
 * message, so every subject writes the whole document (no subject can skip work because nothing changed). Every
 * size runs twice: with the application's own objects (nulls where the wire format omits keys) and with canonical
 * documents (what load returns); every subject saves the same objects.
 */
import { randomBytes } from 'node:crypto';
import type { SessionData } from '@agent-sessions/core';
import {
  benchMessage,
  benchSession,
  measureAlternating,
  type Row,
  report,
  SHAPES,
  SIZES,
  shaped,
  withRatios,
} from '../harness.js';
import { type Backend, type DocumentKv, openTarget } from '../targets.js';

const backend = process.argv[2] as Backend;
const target = await openTarget(backend);
const store = await target.store();
// The same store with encryption at rest (AES-256-GCM), to measure what sealing costs.
const sealed = await target.store({ keys: [{ id: 'bench', key: randomBytes(32) }] });
const raw = `raw ${target.driver}`;
const subjects: Record<string, DocumentKv> = {
  'agent-sessions': {
    save: async (_id, doc) => void (await store.save(doc as SessionData)),
    load: (id) => store.load(id),
  },
  'agent-sessions encrypted': {
    save: async (_id, doc) => void (await sealed.save(doc as SessionData)),
    load: (id) => sealed.load(id),
  },
  [raw]: target.raw,
  ...target.peers,
};

const rows: Row[] = [];
const comparison = `${backend}: save/load`;
try {
  for (const shape of SHAPES)
    for (const size of SIZES) {
      const base = shaped(benchSession('base', size), shape);
      const variant = (i: number): SessionData => ({
        ...base,
        id: `${shape[0]}${size}-${i % 8}`,
        messages: [shaped(benchMessage(i), shape), ...base.messages.slice(1)],
      });
      const budget = size >= 5000 ? { rounds: 5, roundMs: 600, warmup: 1 } : { rounds: 5, roundMs: 300 };
      const names = Object.keys(subjects);
      const saves = await measureAlternating(
        Object.fromEntries(names.map((n) => [n, (i: number) => subjects[n]!.save(variant(i).id, variant(i))])),
        budget,
      );
      const loads = await measureAlternating(
        Object.fromEntries(names.map((n) => [n, () => subjects[n]!.load(`${shape[0]}${size}-0`)])),
        budget,
      );
      for (const n of names) {
        rows.push({ comparison, subject: n, operation: 'save', messages: size, ms: saves[n]!, shape });
        rows.push({ comparison, subject: n, operation: 'load', messages: size, ms: loads[n]!, shape });
      }
    }
} finally {
  await store.close();
  await sealed.close();
  await target.cleanup();
}
report(withRatios(rows, raw));
