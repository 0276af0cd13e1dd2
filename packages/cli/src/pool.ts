/** Bounded concurrency that keeps input order, and paging through a store's sessions. */
import {
  compareIds,
  type ListSessionsResult,
  SessionCorruptError,
  type SessionStore,
  type UnreadableSession,
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
 * Records a page reports unreadable are produced too when their id is known (callers meet the error on `load`, and
 * report it as they report any), else handed to `onUnreadable`. A store that fails the whole listing on one corrupt
 * record instead (an adapter of before listings reported them) is listed with `list()` (every id at once, in id
 * order) after `onFallback`, as long as no id was produced yet.
 */
export async function* sessionIds(
  store: SessionStore,
  options: {
    parentId?: string;
    pageSize?: number;
    onFallback?: (error: SessionCorruptError) => void;
    onUnreadable?: (unreadable: UnreadableSession) => void;
  } = {},
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
    for (const unreadable of page.unreadable ?? []) {
      if (unreadable.id === null) options.onUnreadable?.(unreadable);
      else {
        produced = true;
        yield unreadable.id;
      }
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
}
