/**
 * Progress of long work (export, import, migrate) on stderr: a redrawn bar with rate and ETA on a terminal, plain
 * lines otherwise (logs, CI), nothing when turned off. stdout stays clean for data (`export > file.jsonl`).
 */
import type { ProgressMode } from './args.js';

/** The part of a stream the display needs (process.stderr, or a fake in tests). */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  /** The terminal's width: every frame fits in it. Default 80. */
  columns?: number;
  /** A terminal emits 'resize' when its width changes: the bar is redrawn to the new width. */
  on?(event: 'resize', listener: () => void): unknown;
  off?(event: 'resize', listener: () => void): unknown;
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

/** 1234567 → "1.2 MB": sizes of the input, in the units `ls -h` uses (powers of 1000 here, like disk sizes). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** Cuts `text` to `width` characters, marking the cut with "…". */
function fit(text: string, width: number): string {
  if (text.length <= width) return text;
  return width <= 1 ? text.slice(0, Math.max(0, width)) : `${text.slice(0, width - 1)}…`;
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
  /** Characters of the frame on screen now: after a narrower resize it may span several rows. */
  #shownLength = 0;
  readonly #onResize = (): void => this.#redrawAfterResize();

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
    if (this.mode === 'tty') {
      this.#stream.on?.('resize', this.#onResize);
      this.#draw();
    }
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
      this.#stream.off?.('resize', this.#onResize);
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
    const percent = `${Math.floor(fraction * 100)}%`;
    // Without an item total the share is of the input's bytes: say so, instead of a count beside a byte share.
    if (this.#total === null)
      return `${this.#done} ${this.#unit}, ${percent} of ${formatBytes(this.#inputBytes ?? 0)} read`;
    return `${this.#done}/${this.#total} ${this.#unit} (${percent})`;
  }

  #status(): string {
    const eta = this.#eta();
    return `${this.#label}: ${this.#counts()}, ${formatRate(this.#rate())}${eta ? `, ${eta}` : ''}`;
  }

  /** The frame's width: one column less than the terminal's, so the cursor never wraps to a new row. */
  #width(): number {
    const columns = this.#stream.columns;
    return Math.max(1, (typeof columns === 'number' && columns > 0 ? columns : 80) - 1);
  }

  /** The frame: label, bar (when a share is known and there is room), counts, rate, ETA; never wider than `#width`. */
  #frame(): string {
    const width = this.#width();
    const eta = this.#eta();
    const tail = ` ${this.#counts()} · ${formatRate(this.#rate())}${eta ? ` · ${eta}` : ''}`;
    const fraction = this.#fraction();
    // Sized from the label and the terminal only, not the changing tail, so the bar keeps its width between frames;
    // below 10 cells it says nothing, and the text gets the room.
    const barWidth = Math.min(40, width - this.#label.length - 60);
    if (fraction === null || barWidth < 10) return fit(`${this.#label}${tail}`, width);
    const filled = Math.round(fraction * barWidth);
    return fit(`${this.#label} [${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)}]${tail}`, width);
  }

  #draw(): void {
    this.#lastDraw = this.#now();
    const frame = this.#frame();
    // \r returns to the line start and \x1b[K clears what a longer previous line left behind.
    this.#stream.write(`\r\x1b[K${frame}`);
    this.#shownLength = frame.length;
    this.#barShown = true;
  }

  /**
   * The terminal changed width: a frame drawn for a wider one may now span several rows (terminals rewrap it), so
   * go up to its first row, clear from there down, and draw again at the new width.
   */
  #redrawAfterResize(): void {
    if (this.#finished) return;
    const columns = this.#width() + 1;
    const rows = Math.ceil(this.#shownLength / columns) - 1;
    this.#stream.write(`${rows > 0 ? `\x1b[${rows}A` : ''}\r\x1b[J`);
    this.#draw();
  }
}
