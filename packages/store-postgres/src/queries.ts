/** Small query steps the store runs with the statements of sql.ts: a listing page's query, a delete. */
import type { ListQuery } from '@agent-sessions/core/adapter';
import type { Runner } from './executor.js';
import type { Statements } from './sql.js';

/** The listing statement that fits the query (first page or after a cursor, all or one parent's) and its values. */
export function listStatement(sql: Statements, query: ListQuery): { text: string; values: unknown[] } {
  const values: unknown[] = [query.limit + 1];
  if (query.after !== null) values.push(query.after.updated_at, query.after.id);
  if (query.parentId !== null) values.push(JSON.stringify(query.parentId));
  const variant = (query.after !== null ? 1 : 0) + (query.parentId !== null ? 2 : 0);
  return { text: sql.listSummaries[variant] as string, values };
}

/**
 * Deletes a session in one transaction, sessions row first: its row lock makes a concurrent writer of the same id
 * wait, so the messages deleted next are exactly the ones of the session deleted, never those of a session
 * re-created. When no row was deleted, no lock was taken: the messages under this id by now may be those of a
 * session created since, so they are left alone (rows an earlier delete could have left are trimmed by the next
 * create).
 */
export async function deleteIn(tx: Runner, sql: Statements, id: string): Promise<boolean> {
  const deleted = await tx(sql.deleteSession, [id]);
  if (deleted.length === 0) return false;
  await tx(sql.deleteMessages, [id]);
  return true;
}
