/** Bounded concurrency that keeps input order, and paging through a store's sessions. */
import {
  compareIds,
  type ListSessionsResult,
  SessionCorruptError,
  type SessionStore,
} from '@agent-sessions/core/adapter';

/**
 * Applies `fn` to each item with at most `concurrency` calls in flight and yields the results in input order.
 * Memory stays bounded by `concurrency`, whatever the input size. A rejection is thrown when its turn comes.
 */
export async function* mapOrdered<T, R>(
  source: AsyncIterable<T> | Iterable<T>,
  concurrency: number,
  fn: (item: T) => Promise<R>,
): AsyncGenerator<R> {
  const queue: Promise<R>[] = [];
  for await (const item of source) {
    const promise = fn(item);
    // Handled when its turn comes; this keeps an early rejection from being reported as unhandled meanwhile.
    promise.catch(() => {});
    queue.push(promise);
    if (queue.length >= concurrency) yield await (queue.shift() as Promise<R>);
  }
  while (queue.length > 0) yield await (queue.shift() as Promise<R>);
}

/**
 * Every session id, newest first, paging through listSessions with the cursor (one page in memory at a time).
 * A backend that reads documents to list them (the file store) fails the whole listing on one corrupt record; the
 * sessions that are fine must still be reachable, so in that case, before any id was produced, this falls back to
 * `list()` (every id at once, in id order) and calls `onFallback`. Callers then meet the corrupt record on `load`.
 */
export async function* sessionIds(
  store: SessionStore,
  options: { parentId?: string; pageSize?: number; onFallback?: (error: SessionCorruptError) => void } = {},
): AsyncGenerator<string> {
  let cursor: string | undefined;
  let produced = false;
  do {
    let page: ListSessionsResult;
    try {
      page = await store.listSessions({
        limit: options.pageSize ?? 200,
        ...(cursor === undefined ? {} : { cursor }),
        ...(options.parentId === undefined ? {} : { parentId: options.parentId }),
      });
    } catch (error) {
      if (produced || !(error instanceof SessionCorruptError)) throw error;
      options.onFallback?.(error);
      yield* (await store.list()).sort(compareIds);
      return;
    }
    for (const summary of page.sessions) {
      produced = true;
      yield summary.id;
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
}
