/**
 * An encrypted document in the folder (the store was given `encryption`): a small JSON object naming the session in
 * clear (its file name says it anyway, and opening needs it: the id is bound into the seal) around the sealed text.
 * a3s-code cannot read such a file; that is the price of encryption at rest in a folder a3s-code shares.
 */
const MARKER = 'agent_sessions_encrypted';

export interface SealedFile {
  id: string;
  sealed: string;
}

/** The file text for session `id` whose sealed document is `sealed`. */
export function sealedFileText(id: string, sealed: string): string {
  return JSON.stringify({ [MARKER]: 1, id, data: sealed }, null, 2);
}

/** Whether a document text the store is about to write is a sealed file (it then has no a3s-code envelope). */
export function isSealedFileText(text: string): boolean {
  return text.startsWith(`{\n  "${MARKER}"`);
}

/** The sealed file a parsed value is, or null when it is a document in clear. */
export function asSealedFile(value: unknown): SealedFile | null {
  if (typeof value !== 'object' || value === null || !Object.hasOwn(value, MARKER)) return null;
  const { id, data } = value as { id?: unknown; data?: unknown };
  if (typeof id !== 'string' || typeof data !== 'string') return null;
  return { id, sealed: data };
}
