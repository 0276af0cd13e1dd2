/**
 * `serve`: a local web viewer over the store. Loopback and read-only unless asked otherwise; runs until the
 * process is stopped (Ctrl-C).
 */
import { integerOption, stringOption, UsageError } from '../args.js';
import { type CommandContext, redactUrl } from '../context.js';
import { isLoopbackHost } from '../serve/security.js';
import { startViewer } from '../serve/server.js';
import { version } from '../version.js';

export const DEFAULT_SERVE_PORT = 4680;
export const DEFAULT_SERVE_HOST = '127.0.0.1';

function portOption(ctx: CommandContext): number {
  // 0 asks the system for a free port.
  if (ctx.args.values.port === '0') return 0;
  return integerOption(ctx.args.values, 'port', DEFAULT_SERVE_PORT, 65_535);
}

export async function serve(ctx: CommandContext): Promise<number> {
  if (ctx.args.positionals.length > 0) throw new UsageError('serve takes no arguments (the store is --store URL)');
  const port = portOption(ctx);
  const host = stringOption(ctx.args.values, 'host') ?? DEFAULT_SERVE_HOST;
  if (host === '') throw new UsageError('--host needs an address, such as 127.0.0.1');
  const allowDelete = ctx.args.values['allow-delete'] === true;
  const url = ctx.storeUrl();
  const store = await ctx.openStore(url, { create: false });
  // The viewer starts anyway: its pages show the error until the server answers.
  await store.healthCheck().catch((error: Error) => ctx.warn(`agent-sessions: warning: ${error.message}`));

  let viewer: Awaited<ReturnType<typeof startViewer>>;
  try {
    viewer = await startViewer({
      store,
      host,
      port,
      allowDelete,
      storeLabel: redactUrl(url),
      version: version(),
      onUnexpectedError: (error) =>
        ctx.warn(`agent-sessions: viewer: ${error instanceof Error ? error.message : String(error)}`),
    });
  } catch (error) {
    ctx.warn(`agent-sessions: ${(error as Error).message}`);
    return 1;
  }
  if (!isLoopbackHost(host))
    ctx.warn(
      `agent-sessions: warning: listening on ${host}: anyone who can reach this address can read every session` +
        (allowDelete ? ' and delete them' : ''),
    );
  ctx.print(
    `Viewing ${redactUrl(url)} at ${viewer.url} (${allowDelete ? 'deletes allowed' : 'read-only'}; Ctrl-C stops)`,
  );
  // Serves until stopped. SIGTERM (a service manager, a test) closes it and the store cleanly; Ctrl-C is handled
  // where every command's is (bin.ts).
  await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
  await viewer.close();
  return 0;
}
