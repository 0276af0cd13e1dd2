/** The on-disk revision record: a fixed-size block whose checksum catches torn or foreign bytes. */
import { describe, expect, it } from 'vitest';
import { currentRevision, formatRecord, parseRecord, RECORD_BYTES } from '../src/revision-record.js';

const a = { revision: 7, fp: { ino: '1234', size: '5678', mtimeNs: '1732512345123456789' } };
const b = { revision: 18, fp: { ino: '1234', size: '5679', mtimeNs: '1732512345999999999' } };

describe('revision records', () => {
  it('round-trip through a block of fixed size', () => {
    const block = formatRecord(a);
    expect(block.length).toBe(RECORD_BYTES);
    expect(parseRecord(block.toString('latin1'))).toEqual(a);
    const huge = {
      revision: Number.MAX_SAFE_INTEGER,
      fp: { ino: '9'.repeat(20), size: '9'.repeat(20), mtimeNs: '9'.repeat(20) },
    };
    expect(parseRecord(formatRecord(huge).toString('latin1'))).toEqual(huge);
  });

  it('a block caught half-way through an overwrite, or edited, reads as unreadable (null)', () => {
    const oldBlock = formatRecord(a);
    const newBlock = formatRecord(b);
    // Whatever the cut, a reader gets one whole version or nothing, never a mix.
    let unreadable = 0;
    for (let cut = 0; cut <= RECORD_BYTES; cut++) {
      const torn = Buffer.concat([newBlock.subarray(0, cut), oldBlock.subarray(cut)]);
      const parsed = parseRecord(torn.toString('latin1'));
      if (parsed === null) unreadable++;
      else expect([a, b], `cut at ${cut}`).toContainEqual(parsed);
    }
    expect(unreadable).toBeGreaterThan(50);
    expect(parseRecord(oldBlock.toString('latin1').replace('"revision":7', '"revision":8'))).toBeNull();
    expect(parseRecord('')).toBeNull();
    expect(parseRecord('{"v":1,"revision":3,"ino":"1","size":"2","mtimeNs":"3"}')).toBeNull();
  });

  it('derive the current revision from the document fingerprint', () => {
    expect(currentRevision(null, a)).toBeNull();
    expect(currentRevision(a.fp, null)).toBe(1);
    expect(currentRevision(a.fp, a)).toBe(7);
    expect(currentRevision(b.fp, a)).toBe(8);
  });
});
