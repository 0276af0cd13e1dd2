/**
 * The terminal bar fits the terminal's width and is redrawn when it changes, driven with a fake terminal stream
 * (`columns` and 'resize' events), no tmux: every frame, with its escape sequences removed, must fit.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { formatBytes, Progress } from '../src/progress.js';

/** A terminal of `columns` width that records what is written and can be resized. */
class FakeTerminal extends EventEmitter {
  readonly isTTY = true;
  readonly chunks: string[] = [];
  constructor(public columns: number) {
    super();
  }
  write(chunk: string): boolean {
    this.chunks.push(chunk);
    return true;
  }
  resize(columns: number): void {
    this.columns = columns;
    this.emit('resize');
  }
  /** Every piece of text between carriage returns and newlines, escape sequences removed. */
  frames(from = 0): string[] {
    return (
      this.chunks
        .slice(from)
        .join('')
        // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escape sequences are what is removed
        .replace(/\x1b\[[0-9]*[A-Za-z]/g, '')
        .split(/[\r\n]/)
        .filter((t) => t !== '')
    );
  }
}

function work(p: Progress, clock: { now: number }, items: number): void {
  for (let i = 0; i < items; i++) {
    clock.now += 50;
    p.tick();
  }
}

describe('the terminal bar and the width of the terminal', () => {
  for (const columns of [20, 40, 50, 80, 120]) {
    it(`never writes a frame wider than ${columns} - 1 columns`, () => {
      const term = new FakeTerminal(columns);
      const clock = { now: 0 };
      const p = new Progress({ label: 'export', total: 12_345, stream: term, now: () => clock.now });
      work(p, clock, 500);
      p.log('agent-sessions: skipped "x": corrupt');
      work(p, clock, 500);
      p.finish();
      const frames = term.frames().filter((f) => f.startsWith('export'));
      expect(frames.length).toBeGreaterThan(10);
      for (const frame of frames) expect(frame.length, frame).toBeLessThan(columns);
    });
  }

  it('keeps the bar where there is room and drops it where there is not', () => {
    const wide = new FakeTerminal(120);
    new Progress({ label: 'export', total: 10, stream: wide, now: () => 0 }).finish();
    expect(wide.frames().join('')).toMatch(/\[[█░]+\]/);
    const narrow = new FakeTerminal(50);
    const p = new Progress({ label: 'export', total: 10, stream: narrow, now: () => 0 });
    p.tick(10);
    p.finish();
    expect(narrow.frames().join('')).not.toMatch(/[█░]/);
    expect(narrow.frames().join('')).toContain('10/10 sessions (100%)');
  });

  it('redraws at the new width on resize, after clearing the rows the old frame rewrapped into', () => {
    const term = new FakeTerminal(120);
    const clock = { now: 0 };
    const p = new Progress({ label: 'export', total: 1000, stream: term, now: () => clock.now });
    work(p, clock, 100);
    const before = term.chunks.length;
    const shown = term.frames().at(-1) as string;
    expect(shown.length).toBeGreaterThan(40);
    term.resize(40);
    // Redrawn at once, without waiting for the next tick.
    expect(term.chunks.length).toBeGreaterThan(before);
    const rows = Math.ceil(shown.length / 40) - 1;
    expect(term.chunks.slice(before).join('')).toContain(`\x1b[${rows}A\r\x1b[J`);
    for (const frame of term.frames(before)) expect(frame.length).toBeLessThan(40);
    work(p, clock, 100);
    p.finish();
    for (const frame of term.frames(before)) expect(frame.length).toBeLessThan(40);
    // Finished: the listener is gone, a later resize draws nothing.
    expect(term.listenerCount('resize')).toBe(0);
    const after = term.chunks.length;
    term.resize(100);
    expect(term.chunks.length).toBe(after);
  });

  it('a 50-column export leaves one line, not a line per redraw', () => {
    const term = new FakeTerminal(50);
    const clock = { now: 0 };
    const p = new Progress({ label: 'export', total: 2000, stream: term, now: () => clock.now });
    work(p, clock, 2000);
    p.finish();
    // Each frame starts with \r and fits, so the terminal shows the last one only: one newline, at the end.
    const text = term.chunks.join('');
    expect(text.split('\n')).toHaveLength(2);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('import: lines counted and the share of the input in bytes, both named', () => {
    const term = new FakeTerminal(80);
    const p = new Progress({
      label: 'import',
      total: null,
      unit: 'lines',
      inputBytes: 2_500_000,
      stream: term,
      now: () => 0,
    });
    p.position(1_250_000);
    p.tick(42);
    p.finish();
    expect(term.frames().at(-1)).toContain('42 lines, 50% of 2.5 MB read');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1_500)).toBe('1.5 kB');
  });
});
