/**
 * `doctor`: checks a store step by step (adapter, connection, listing, a write round trip) with the time each
 * step took, and on failure one line that says what went wrong and what to fix.
 */
import { randomBytes } from 'node:crypto';
import {
  BACKEND_PACKAGES,
  createSession,
  parseStoreUrl,
  type SessionStore,
  SessionStoreError,
  StoreNotFoundError,
} from '@agent-sessions/core/adapter';
import { UsageError } from '../args.js';
import { sameDocument } from '../compare.js';
import { type CommandContext, redactUrl } from '../context.js';
import { safeText } from '../transcript.js';

/** A failed check: bin.ts prints its message as the one error line. */
export class DoctorError extends Error {
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = 'DoctorError';
  }
}

/** What `doctor --json` prints. */
export interface DoctorReport {
  store: string;
  package: string | null;
  healthy: boolean;
  steps: { name: string; ok: boolean; ms: number; detail: string | null }[];
  error?: { code: string | null; message: string };
}

/** Advice beyond what the error itself says, by error code. */
function advice(error: unknown, scheme: string): string {
  if (error instanceof StoreNotFoundError)
    return ' Fix: check the path or names in the URL; doctor creates nothing (a store is made by its first write, such as an import).';
  const code = error instanceof SessionStoreError ? error.code : null;
  const network = !['file', 'sqlite', 'memory'].includes(scheme);
  if (code === 'STORE_ACCESS')
    return network
      ? ' Fix: check the user name and password in the URL, that this user may read and write, and that the database, schema or bucket exists.'
      : ' Fix: check that this user may read and write the path and that it is not on a read-only file system.';
  if (code === 'STORE_UNAVAILABLE' && network)
    return ' Fix: check the host and port in the URL, that the server runs, and firewalls.';
  if (code === 'STORE_UNAVAILABLE') return ' Fix: check that the path exists and its disk is mounted.';
  return '';
}

export async function doctor(ctx: CommandContext): Promise<number> {
  if (ctx.args.positionals.length > 0)
    throw new UsageError('doctor takes no positional arguments; pass the store with --store');
  const url = ctx.storeUrl();
  const parsed = parseStoreUrl(url);
  const readOnly = ctx.args.values['read-only'] === true;
  const json = ctx.args.values.json === true;
  const packageName = BACKEND_PACKAGES[parsed.scheme] ?? null;
  // --json: one object on stdout at the end, healthy or not (the error line still goes to stderr).
  const report: DoctorReport = { store: redactUrl(url), package: packageName, healthy: false, steps: [] };
  if (!json) {
    ctx.print(`store    ${redactUrl(url)}`);
    ctx.print(`package  ${packageName ?? `(no package known for "${parsed.scheme}:")`}`);
  }

  const step = async <T>(name: string, run: () => Promise<T>, detail?: (value: T) => string): Promise<T> => {
    const started = performance.now();
    try {
      const value = await run();
      const ms = Math.round(performance.now() - started);
      const said = detail ? detail(value) : null;
      report.steps.push({ name, ok: true, ms, detail: said });
      if (!json) ctx.print(`ok    ${name.padEnd(18)} ${String(ms).padStart(6)} ms${said ? `  ${said}` : ''}`);
      return value;
    } catch (error) {
      const ms = Math.round(performance.now() - started);
      const raw = error instanceof Error ? error.message : String(error);
      const message = /[.!?]$/.test(raw.trim()) ? raw.trim() : `${raw.trim()}.`;
      const failure = new DoctorError(
        `doctor: ${name} of ${redactUrl(url)} failed after ${ms} ms: ${message}${advice(error, parsed.scheme)}`,
        {
          cause: error,
        },
      );
      report.steps.push({ name, ok: false, ms, detail: null });
      report.error = { code: error instanceof SessionStoreError ? error.code : null, message: failure.message };
      if (json) ctx.print(JSON.stringify(report, null, 2));
      else ctx.print(`FAIL  ${name.padEnd(18)} ${String(ms).padStart(6)} ms`);
      throw failure;
    }
  };

  const opened: SessionStore = await step(
    'open',
    () => ctx.openStore(url, { create: false }),
    (s) => `backend ${s.backendName}`,
  );
  await step('health check', () => opened.healthCheck());
  await step(
    'list',
    () => opened.listSessions({ limit: 1 }),
    (page) => (page.sessions.length === 0 ? 'store is empty' : `newest: ${safeText(page.sessions[0]?.id ?? '')}`),
  );
  if (!readOnly) {
    // A throwaway session proves that writes, reads and deletes work (read-only mounts, missing grants).
    const probe = createSession({
      id: `agent-sessions-doctor-${randomBytes(6).toString('hex')}`,
      name: 'agent-sessions doctor probe',
    });
    await step('write/read/delete', async () => {
      try {
        await opened.save(probe);
        const back = await opened.load(probe.id);
        if (!sameDocument(back, probe)) throw new Error('the probe session read back differs from what was saved');
      } finally {
        await opened.delete(probe.id).catch(() => {});
      }
    });
  }
  report.healthy = true;
  ctx.print(json ? JSON.stringify(report, null, 2) : 'healthy');
  return 0;
}
