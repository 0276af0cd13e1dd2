/** The progress display in each mode, with a fake clock and stream (no timing assumptions). */
import { describe, expect, it } from 'vitest';
import { formatDuration, Progress } from '../src/progress.js';

function fakeStream(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, columns: 100, write: (c: string) => chunks.push(c) }, text: () => chunks.join('') };
}

describe('Progress', () => {
  it('tty: redraws one line with a bar, counts, rate and ETA', () => {
    const out = fakeStream(true);
    let now = 0;
    const p = new Progress({ label: 'export', total: 200, stream: out.stream, now: () => now });
    expect(p.mode).toBe('tty');
    for (let i = 0; i < 100; i++) {
      now += 10; // 100 items per second
      p.tick();
    }
    const half = out.text();
    expect(half).toContain('\r\x1b[K');
    expect(half).toContain('100/200 sessions (50%)');
    expect(half).toContain('100/s');
    expect(half).toContain('ETA 1s');
    expect(half).toMatch(/\[█+░+\]/);
    for (let i = 0; i < 100; i++) {
      now += 10;
      p.tick();
    }
    p.finish();
    const text = out.text();
    expect(text).toContain('200/200 sessions (100%)');
    expect(text).toContain('ETA 0s');
    expect(text.endsWith('\n')).toBe(true);
    // Redraws are throttled: 200 ticks over 2 s give far fewer than 200 frames.
    expect(out.chunks.filter((c) => c.startsWith('\r')).length).toBeLessThan(40);
  });

  it('tty: a log line clears the bar and the bar comes back below it', () => {
    const out = fakeStream(true);
    const p = new Progress({ label: 'import', total: null, stream: out.stream, now: () => 0 });
    p.log('line 3: bad');
    const text = out.text();
    expect(text).toContain('\r\x1b[Kline 3: bad\n');
    expect(text.lastIndexOf('import')).toBeGreaterThan(text.indexOf('line 3: bad'));
  });

  it('plain: one line per 10% step, no carriage returns', () => {
    const out = fakeStream(false);
    let now = 0;
    const p = new Progress({ label: 'migrate', total: 1000, stream: out.stream, now: () => now });
    expect(p.mode).toBe('plain');
    for (let i = 0; i < 1000; i++) {
      now += 1;
      p.tick();
    }
    p.finish();
    const lines = out.text().trimEnd().split('\n');
    expect(out.text()).not.toContain('\r');
    expect(lines).toHaveLength(10); // 10%, 20%, …, 100%
    expect(lines[4]).toBe('migrate: 500/1000 sessions (50%), 1000/s, ETA 1s');
    expect(lines[9]).toBe('migrate: 1000/1000 sessions (100%), 1000/s, ETA 0s');
  });

  it('plain: without a total, counts in blocks and writes a last line', () => {
    const out = fakeStream(false);
    const p = new Progress({ label: 'import', total: null, stream: out.stream, now: () => 500 });
    for (let i = 0; i < 2500; i++) p.tick();
    p.finish();
    const lines = out.text().trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(/^import: 2500 sessions, /);
    expect(lines.length).toBeLessThanOrEqual(4);
  });

  it('without an item total, the input size gives the percentage, bar and ETA', () => {
    const out = fakeStream(false);
    let now = 0;
    const p = new Progress({
      label: 'import',
      total: null,
      unit: 'lines',
      inputBytes: 1000,
      stream: out.stream,
      now: () => now,
    });
    for (let i = 1; i <= 10; i++) {
      now += 100;
      p.position(i * 100); // 100 bytes a line, 10 lines a second
      p.tick();
    }
    p.finish();
    const lines = out.text().trimEnd().split('\n');
    expect(lines[4]).toBe('import: 5 lines, 50% of 1.0 kB read, 10.0/s, ETA 1s');
    expect(lines.at(-1)).toBe('import: 10 lines, 100% of 1.0 kB read, 10.0/s, ETA 0s');
    const tty = fakeStream(true);
    const bar = new Progress({ label: 'import', total: null, inputBytes: 400, stream: tty.stream, now: () => 0 });
    bar.position(100);
    bar.finish();
    expect(tty.text()).toMatch(/import \[█+░+\] 0 sessions, 25% of 400 B read/);
  });

  it('off: writes nothing; a forced mode wins over the stream kind', () => {
    const out = fakeStream(true);
    const p = new Progress({ label: 'export', total: 5, mode: 'off', stream: out.stream });
    p.tick(5);
    p.finish();
    expect(out.chunks).toEqual([]);
    const plain = fakeStream(true);
    expect(new Progress({ label: 'x', total: 1, mode: 'plain', stream: plain.stream }).mode).toBe('plain');
  });

  it('formats durations', () => {
    expect(formatDuration(5.4)).toBe('5s');
    expect(formatDuration(65)).toBe('1m05s');
    expect(formatDuration(3 * 3600 + 120)).toBe('3h02m');
    expect(formatDuration(Number.NaN)).toBe('?');
  });
});
