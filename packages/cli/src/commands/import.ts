/**
 * `import`: reads JSON Lines (stdin or `--input`), one session document per line, and saves each. A line that is
 * not a valid session is reported with its number and skipped, or ends the run with `--strict`. Every line is
 * validated before anything is written for it, so bad input never replaces a stored session.
 */
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import {
  assertValidSessionId,
  findUnsafeIntegerLiteral,
  InvalidSessionIdError,
  parseSession,
  SessionConflictError,
  type SessionData,
  type SessionStore,
  SessionTooLargeError,
  SessionValidationError,
} from '@agent-sessions/core/adapter';
import { stringOption } from '../args.js';
import type { CommandContext } from '../context.js';
import { FileError } from '../file-error.js';
import { inputSize, type NumberedLine, readLines } from '../jsonl.js';

/** Saves in flight at once. */
const IMPORT_CONCURRENCY = 8;

/** A line that cannot become a session: reported with its number. */
class BadLine extends Error {}

function parseLine(line: NumberedLine): SessionData {
  let value: unknown;
  try {
    value = JSON.parse(line.text);
  } catch (error) {
    throw new BadLine(`not valid JSON (${(error as Error).message})`);
  }
  const unsafe = findUnsafeIntegerLiteral(line.text);
  if (unsafe !== null)
    throw new BadLine(`holds the integer ${unsafe}, beyond ±(2^53-1), which JSON numbers cannot hold exactly`);
  try {
    const session = parseSession(value);
    assertValidSessionId(session.id);
    return session;
  } catch (error) {
    if (error instanceof SessionValidationError || error instanceof InvalidSessionIdError)
      throw new BadLine(error.message);
    throw error;
  }
}

type Outcome = 'imported' | 'skipped' | { bad: string };

async function saveOne(store: SessionStore, session: SessionData, skipExisting: boolean): Promise<Outcome> {
  try {
    await store.save(session, skipExisting ? { expectedRevision: 0 } : undefined);
    return 'imported';
  } catch (error) {
    if (skipExisting && error instanceof SessionConflictError) return 'skipped';
    // What this backend refuses for this one document (too large for it, say) is the line's fault, not the store's.
    if (error instanceof SessionTooLargeError || error instanceof SessionValidationError) return { bad: error.message };
    throw error;
  }
}

export async function importSessions(ctx: CommandContext): Promise<number> {
  const strict = ctx.args.values.strict === true;
  const skipExisting = ctx.args.values['skip-existing'] === true;
  // `-i -` is standard input, as no -i is.
  const given = stringOption(ctx.args.values, 'input');
  const inputPath = given === '-' ? undefined : given;
  const input = inputPath === undefined ? ctx.io.stdin : createReadStream(inputPath);
  // A missing input file is found before the store is opened or any progress is shown.
  if (inputPath !== undefined)
    await once(input, 'open').catch((error) => {
      throw new FileError(inputPath, 'read', error);
    });
  const store = await ctx.openStore();
  // Lines are counted as they go; the input's size, when it is a file, gives the percentage and the ETA.
  const progress = ctx.progress('import', null, { unit: 'lines', inputBytes: inputSize(input) });
  const counts = { imported: 0, skipped: 0, invalid: 0 };
  let stopped: string | null = null;
  // Saves of one id run in file order (a later line wins); other ids run side by side, up to the limit.
  const inFlight = new Set<Promise<void>>();
  const lastForId = new Map<string, Promise<void>>();
  let fatal: unknown = null;

  const report = (lineNumber: number, message: string): void => {
    counts.invalid++;
    progress.log(`agent-sessions: line ${lineNumber}: ${message}${strict ? '' : ' (skipped)'}`);
    if (strict && stopped === null) stopped = `stopped at line ${lineNumber} (--strict)`;
  };

  try {
    for await (const line of readLines(input)) {
      if (stopped !== null || fatal !== null) break;
      progress.position(line.end);
      let session: SessionData;
      try {
        session = parseLine(line);
      } catch (error) {
        if (!(error instanceof BadLine)) throw error;
        report(line.number, error.message);
        progress.tick();
        continue;
      }
      const previous = lastForId.get(session.id);
      const task: Promise<void> = (async () => {
        if (previous) await previous;
        const outcome = await saveOne(store, session, skipExisting);
        if (outcome === 'imported') counts.imported++;
        else if (outcome === 'skipped') counts.skipped++;
        else report(line.number, outcome.bad);
        progress.tick();
      })()
        .catch((error) => {
          fatal ??= error;
        })
        .finally(() => {
          inFlight.delete(task);
          if (lastForId.get(session.id) === task) lastForId.delete(session.id);
        });
      inFlight.add(task);
      lastForId.set(session.id, task);
      if (inFlight.size >= IMPORT_CONCURRENCY) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  } finally {
    progress.finish();
    input.destroy();
  }
  if (fatal !== null) throw fatal;
  if (ctx.args.values.json === true) ctx.print(JSON.stringify({ ...counts, stopped: stopped !== null }));
  else
    ctx.warn(
      `import: ${counts.imported} imported` +
        (skipExisting ? `, ${counts.skipped} skipped (already stored)` : '') +
        `, ${counts.invalid} invalid line${counts.invalid === 1 ? '' : 's'}${strict || counts.invalid === 0 ? '' : ' skipped'}` +
        (stopped === null ? '' : `; ${stopped}`),
    );
  // Skipped lines fail the run too (as export's skipped records do), so a script sees that not everything went in.
  return stopped === null && counts.invalid === 0 ? 0 : 1;
}
