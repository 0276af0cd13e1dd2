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
  /**
   * The size of the input in bytes when `total` is unknown but the input is a file (`import < file.jsonl`):
   * the share of it read so far, reported with {@link Progress.position}, gives the percentage and the ETA.
   */
  inputBytes?: number | null;
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
  readonly #inputBytes: number | null;
  readonly #start: number;
  #done = 0;
  #bytesRead = 0;
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
    this.#inputBytes = options.total === null ? (options.inputBytes ?? null) : null;
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

  /** How many bytes of the input were read so far (see `inputBytes`); shown at the next update. */
  position(bytesRead: number): void {
    this.#bytesRead = bytesRead;
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

  /** The share of the work done, 0 to 1, from the item total or else the input size; null when neither is known. */
  #fraction(): number | null {
    const [done, total] = this.#total !== null ? [this.#done, this.#total] : [this.#bytesRead, this.#inputBytes];
    if (total === null) return null;
    return total === 0 ? 1 : Math.min(done, total) / total;
  }

  // A bucket of progress (tenths of the work, or blocks of items): plain lines are written when it changes.
  #step(): number {
    const fraction = this.#fraction();
    if (fraction === null) return Math.floor(this.#done / PLAIN_STEP_UNKNOWN_TOTAL);
    return Math.floor(fraction * 10);
  }

  #rate(): number {
    const seconds = (this.#now() - this.#start) / 1000;
    return seconds > 0 ? this.#done / seconds : Number.NaN;
  }

  // The time left if the rest goes at the pace so far: elapsed × (undone share / done share).
  #eta(): string {
    const fraction = this.#fraction();
    if (fraction === null) return '';
    if (fraction >= 1) return 'ETA 0s';
    const seconds = (this.#now() - this.#start) / 1000;
    return fraction > 0 && seconds > 0 ? `ETA ${formatDuration((seconds * (1 - fraction)) / fraction)}` : 'ETA ?';
  }

  #counts(): string {
    const fraction = this.#fraction();
    if (fraction === null) return `${this.#done} ${this.#unit}`;
    const percent = `(${Math.floor(fraction * 100)}%)`;
    if (this.#total === null) return `${this.#done} ${this.#unit} ${percent}`;
    return `${this.#done}/${this.#total} ${this.#unit} ${percent}`;
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
    const fraction = this.#fraction();
    if (fraction !== null) {
      const columns = this.#stream.columns ?? 80;
      // Sized from the label only, not the changing tail, so the bar keeps its width from frame to frame.
      const width = Math.max(10, Math.min(40, columns - this.#label.length - 60));
      const filled = Math.round(fraction * width);
      bar = ` [${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
    }
    // \r returns to the line start and \x1b[K clears what a longer previous line left behind.
    this.#stream.write(`\r\x1b[K${this.#label}${bar}${tail}`);
    this.#barShown = true;
  }
}
