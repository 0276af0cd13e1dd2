import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  appendedBytes,
  digestMessages,
  digestSegment,
  documentBytesOf,
  headJsonOf,
  joinSession,
  parseSession,
  planMessageWrite,
  planSegmentWrite,
  prepareSplitWrite,
  splitDocumentBytes,
  splitSession,
} from '../src/index.js';

const rich = parseSession(JSON.parse(readFileSync(new URL('../fixtures/a3s/rich.json', import.meta.url), 'utf8')));

describe('message log planning', () => {
  const msgs = ['{"a":1}', '{"b":2}', '{"c":3}'];
  const stored = { count: 2, digest: digestMessages(msgs.slice(0, 2)) };

  it('appends only the tail when the stored prefix is unchanged', () => {
    const plan = planMessageWrite(stored, msgs);
    expect(plan).toMatchObject({ kind: 'append', from: 2 });
    // the digest returned describes the new list: planning the same list again finds nothing to write
    const again = planMessageWrite({ count: 3, digest: plan.digest }, msgs);
    expect(again).toMatchObject({ kind: 'append', from: 3 });
    expect(again.digest.split(':')[0]).toBe('3'); // compacted to one segment
    expect(planMessageWrite(null, msgs)).toEqual({ kind: 'append', from: 0, digest: digestMessages(msgs) });
    expect(planMessageWrite(stored, msgs.slice(0, 2))).toEqual({ kind: 'append', from: 2, digest: stored.digest });
  });

  it('rewrites on an edit in the prefix, a truncation or a compaction', () => {
    expect(planMessageWrite(stored, ['{"a":9}', '{"b":2}', '{"c":3}'])).toEqual({
      kind: 'rewrite',
      digest: digestMessages(['{"a":9}', '{"b":2}', '{"c":3}']),
    });
    expect(planMessageWrite(stored, ['{"a":1}'])).toEqual({ kind: 'rewrite', digest: digestMessages(['{"a":1}']) });
    expect(planMessageWrite(stored, ['{"b":2}', '{"a":1}', '{"c":3}']).kind).toBe('rewrite');
  });

  it('digest depends on message boundaries, not just concatenation', () => {
    expect(digestMessages(['ab', 'c'])).not.toBe(digestMessages(['a', 'bc']));
    expect(digestMessages(['a,b'])).not.toBe(digestMessages(['a', 'b']));
  });

  it('appends chain segments; a save verifies them and compacts to at most two', () => {
    const all = ['{"a":1}', '{"b":2}', '{"c":3}', '{"d":4}', '{"e":5}'];
    let digest = digestMessages(all.slice(0, 2));
    digest = digestMessages(all.slice(2, 3), digest);
    digest = digestMessages(all.slice(3, 4), digest);
    expect(digest.split(':')[0]).toBe('2.3.4');
    const plan = planMessageWrite({ count: 4, digest }, all);
    expect(plan.kind).toBe('append');
    expect(plan.digest.split(':')[0]).toBe('4.5');
    // the compacted digest verifies the same list again
    expect(planMessageWrite({ count: 5, digest: plan.digest }, [...all, '{"f":6}'])).toMatchObject({
      kind: 'append',
      from: 5,
    });
    // an edit inside any segment is found
    for (let i = 0; i < 4; i++) {
      const edited = [...all];
      edited[i] = '{"x":0}';
      expect(planMessageWrite({ count: 4, digest }, edited).kind).toBe('rewrite');
    }
  });

  it('a digest that does not match the count, or is not ours, means rewrite', () => {
    const msgs3 = ['{"a":1}', '{"b":2}', '{"c":3}'];
    expect(planMessageWrite({ count: 2, digest: digestMessages(msgs3) }, msgs3).kind).toBe('rewrite');
    expect(planMessageWrite({ count: 2, digest: 'garbage' }, msgs3).kind).toBe('rewrite');
    expect(planMessageWrite({ count: 2, digest: '2.1:x' }, msgs3).kind).toBe('rewrite');
  });

  it('join keeps a top-level __proto__ key as data', () => {
    const withProto = parseSession(JSON.parse(JSON.stringify(rich).replace('{"id"', '{"__proto__":{"x":1},"id"')));
    const { headJson, messageJsons } = splitSession(withProto);
    const joined = joinSession(
      JSON.parse(headJson),
      messageJsons.map((m) => JSON.parse(m)),
    );
    expect(Object.getPrototypeOf(joined)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(joined, '__proto__')?.value).toEqual({ x: 1 });
    expect(joined).toEqual(withProto);
  });

  it('split and join give back the document with its key order', () => {
    const { headJson, messageJsons } = splitSession(rich);
    const joined = joinSession(
      JSON.parse(headJson),
      messageJsons.map((m) => JSON.parse(m)),
    );
    expect(joined).toEqual(rich);
    expect(Object.keys(joined)).toEqual(Object.keys(rich));
  });
});

describe('split writes', () => {
  it('splitDocumentBytes and appendedBytes equal the UTF-8 length of the whole JSON', () => {
    for (const doc of [rich, { ...rich, messages: [] }, { ...rich, messages: rich.messages.slice(0, 1) }]) {
      expect(splitDocumentBytes(splitSession(doc))).toBe(Buffer.byteLength(JSON.stringify(doc)));
    }
    const empty = { ...rich, messages: [] };
    const added = rich.messages.map((m) => JSON.stringify(m));
    expect(splitDocumentBytes(splitSession(empty)) + appendedBytes(added, 0)).toBe(
      Buffer.byteLength(JSON.stringify(rich)),
    );
    const one = { ...rich, messages: rich.messages.slice(0, 1) };
    expect(splitDocumentBytes(splitSession(one)) + appendedBytes(added.slice(1), 1)).toBe(
      Buffer.byteLength(JSON.stringify(rich)),
    );
  });

  it('prepareSplitWrite refuses a document over the limit before anything is written', () => {
    const bytes = Buffer.byteLength(JSON.stringify(rich));
    expect(prepareSplitWrite(rich, 3, bytes, 'x')).toMatchObject({ id: rich.id, bytes, expectedRevision: 3 });
    expect(() => prepareSplitWrite(rich, undefined, bytes - 1, 'x')).toThrow(/over this backend's limit/);
  });
});

describe('segment planning', () => {
  const ms = (k: number) => rich.messages.slice(0, k);
  const jsons = (k: number) => ms(k).map((m) => JSON.stringify(m));

  it('gives the same digests as the per-message functions', () => {
    expect(planSegmentWrite(null, ms(4)).digest).toBe(digestMessages(jsons(4)));
    expect(digestSegment(jsons(6).slice(4).join(','), 2, digestMessages(jsons(4)))).toBe(
      digestMessages(jsons(6).slice(4), digestMessages(jsons(4))),
    );
    const stored = { count: 4, digest: digestMessages(jsons(4)) };
    const seg = planSegmentWrite(stored, ms(6));
    const per = planMessageWrite(stored, jsons(6));
    expect(per.kind).toBe('append');
    expect(seg).toMatchObject(per);
    expect(seg.text).toBe(jsons(6).slice(4).join(','));
  });

  it('text and bytes describe exactly what to store', () => {
    const full = planSegmentWrite(null, ms(6));
    expect(full.text).toBe(JSON.stringify(ms(6)).slice(1, -1));
    expect(full.messagesBytes).toBe(Buffer.byteLength(full.text));
    const stored = { count: 3, digest: digestSegment(JSON.stringify(ms(3)).slice(1, -1), 3) };
    const tail = planSegmentWrite(stored, ms(6));
    expect(tail).toMatchObject({ kind: 'append', from: 3, text: JSON.stringify(ms(6).slice(3)).slice(1, -1) });
    expect(tail.messagesBytes).toBe(Buffer.byteLength(JSON.stringify(ms(6)).slice(1, -1)));
    const session = { ...rich, messages: ms(6) };
    expect(documentBytesOf(headJsonOf(session), tail.messagesBytes)).toBe(Buffer.byteLength(JSON.stringify(session)));
    const edited = ms(6).map((m) => structuredClone(m));
    (edited[1]!.content[0] as { text?: string }).text = 'edited';
    const rewrite = planSegmentWrite(stored, edited);
    expect(rewrite).toMatchObject({ kind: 'rewrite', from: 0, text: JSON.stringify(edited).slice(1, -1) });
    expect(planSegmentWrite({ count: 6, digest: rewrite.digest }, edited)).toMatchObject({
      kind: 'append',
      from: 6,
      text: '',
    });
    expect(planSegmentWrite(null, [])).toMatchObject({ kind: 'append', text: '', messagesBytes: 0, digest: '' });
  });
});
