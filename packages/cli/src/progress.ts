/**
 * Progress of long work (export, import, migrate) on stderr: a redrawn bar with rate and ETA on a terminal, plain
 * lines otherwise (logs, CI), nothing when turned off. stdout stays clean for data (`export > file.jsonl`).
 */
import type { ProgressMode } from './args.js';

/** The part of a stream the display needs (process.stderr, or a fake in tests). */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /** Shown first on every line: the command name. */
  label: string;
  /** The number of items expected, or null when unknown (no percentage, no ETA). */
  total: number | null;
  /** `auto` (default) picks `tty` when the stream is a terminal and `plain` otherwise. */
  mode?: ProgressMode | 'auto';
  /** Default process.stderr. */
  stream?: ProgressStream;
  /** Clock in ms; tests pass a fake one. Default `performance.now`. */
  now?: () => number;
  /** What is counted. Default "sessions". */
  unit?: string;
}

/** Terminal redraws at most this often: redrawing on every item would cost more than the work on fast stores. */
const TTY_INTERVAL_MS = 100;
/** Plain mode writes a line at each 10 % step, and at least this often while work goes on. */
const PLAIN_INTERVAL_MS = 5_000;
/** Plain mode without a known total writes a line every this many items. */
const PLAIN_STEP_UNKNOWN_TOTAL = 1000;

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return '?/s';
  return perSecond >= 100 ? `${Math.round(perSecond)}/s` : `${perSecond.toFixed(1)}/s`;
}

export class Progress {
  readonly mode: ProgressMode;
  readonly #label: string;
  readonly #total: number | null;
  readonly #stream: ProgressStream;
  readonly #now: () => number;
  readonly #unit: string;
  readonly #start: number;
  #done = 0;
  #lastDraw = Number.NEGATIVE_INFINITY;
  // Plain mode starts at step 0 so its first line comes at 10 %: a rate measured over one item is noise.
  #lastStep = 0;
  #lastPrinted = -1;
  #barShown = false;
  #finished = false;

  constructor(options: ProgressOptions) {
    this.#stream = options.stream ?? process.stderr;
    const mode = options.mode ?? 'auto';
    this.mode = mode === 'auto' ? (this.#stream.isTTY ? 'tty' : 'plain') : mode;
    this.#label = options.label;
    this.#total = options.total;
    this.#now = options.now ?? (() => performance.now());
    this.#unit = options.unit ?? 'sessions';
    this.#start = this.#now();
    this.#lastDraw = this.#start;
    if (this.mode === 'tty') this.#draw();
  }

  get done(): number {
    return this.#done;
  }

  /** Counts finished items and updates the display when it is due. */
  tick(count = 1): void {
    this.#done += count;
    if (this.mode === 'tty') {
      if (this.#now() - this.#lastDraw >= TTY_INTERVAL_MS) this.#draw();
    } else if (this.mode === 'plain') {
      const step = this.#step();
      const now = this.#now();
      if (step !== this.#lastStep || now - this.#lastDraw >= PLAIN_INTERVAL_MS) {
        this.#lastStep = step;
        this.#lastDraw = now;
        this.#printLine();
      }
    }
  }

  /** Writes a message line (a warning, a skipped record) without garbling the bar. */
  log(line: string): void {
    if (this.mode === 'tty' && this.#barShown) {
      this.#stream.write(`\r\x1b[K${line}\n`);
      this.#draw();
    } else {
      this.#stream.write(`${line}\n`);
    }
  }

  /** Draws the final state and ends the bar's line. Idempotent. */
  finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    if (this.mode === 'tty') {
      this.#draw();
      this.#stream.write('\n');
    } else if (this.mode === 'plain' && this.#lastPrinted !== this.#done) {
      this.#printLine();
    }
  }

  #printLine(): void {
    this.#lastPrinted = this.#done;
    this.#stream.write(`${this.#status()}\n`);
  }

  // A bucket of progress (tenths of the total, or blocks of items): plain lines are written when it changes.
  #step(): number {
    if (this.#total === null) return Math.floor(this.#done / PLAIN_STEP_UNKNOWN_TOTAL);
    if (this.#total === 0) return 10;
    return Math.floor((Math.min(this.#done, this.#total) * 10) / this.#total);
  }

  #rate(): number {
    const seconds = (this.#now() - this.#start) / 1000;
    return seconds > 0 ? this.#done / seconds : Number.NaN;
  }

  #eta(): string {
    if (this.#total === null) return '';
    const rate = this.#rate();
    if (this.#done >= this.#total) return 'ETA 0s';
    return rate > 0 ? `ETA ${formatDuration((this.#total - this.#done) / rate)}` : 'ETA ?';
  }

  #counts(): string {
    if (this.#total === null) return `${this.#done} ${this.#unit}`;
    const percent = this.#total === 0 ? 100 : Math.floor((Math.min(this.#done, this.#total) * 100) / this.#total);
    return `${this.#done}/${this.#total} ${this.#unit} (${percent}%)`;
  }

  #status(): string {
    const eta = this.#eta();
    return `${this.#label}: ${this.#counts()}, ${formatRate(this.#rate())}${eta ? `, ${eta}` : ''}`;
  }

  #draw(): void {
    this.#lastDraw = this.#now();
    const eta = this.#eta();
    const tail = ` ${this.#counts()} · ${formatRate(this.#rate())}${eta ? ` · ${eta}` : ''}`;
    let bar = '';
    if (this.#total !== null) {
      const columns = this.#stream.columns ?? 80;
      // Sized from the label only, not the changing tail, so the bar keeps its width from frame to frame.
      const width = Math.max(10, Math.min(40, columns - this.#label.length - 60));
      const filled = this.#total === 0 ? width : Math.round((Math.min(this.#done, this.#total) / this.#total) * width);
      bar = ` [${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
    }
    // \r returns to the line start and \x1b[K clears what a longer previous line left behind.
    this.#stream.write(`\r\x1b[K${this.#label}${bar}${tail}`);
    this.#barShown = true;
  }
}
