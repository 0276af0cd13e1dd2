/**
 * The keyed-append records of a session (core's idempotency.ts), in a small side file beside its revision record
 * (`.agent-sessions/<stem>.keys`): the document stays exactly what a3s-code writes. Read and written only under the
 * session's lock, after the document (a crash between the two forgets the key: a retry then appends again).
 */
import { readFileSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { type AppendKeyRecord, decodeAppendKeys, encodeAppendKeys } from '@agent-sessions/core/adapter';
import { isMissing, replaceFile } from './fs-utils.js';

/** The side file of a session whose revision record is `revPath`. */
export function keysPath(revPath: string): string {
  return `${revPath.slice(0, -'.rev'.length)}.keys`;
}

export function readAppendKeys(revPath: string): AppendKeyRecord[] {
  try {
    return decodeAppendKeys(readFileSync(keysPath(revPath), 'utf8'));
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
}

export async function writeAppendKeys(
  revPath: string,
  records: readonly AppendKeyRecord[],
  options: { fsync: boolean; tempStem: string },
): Promise<void> {
  await replaceFile(keysPath(revPath), encodeAppendKeys(records), options);
}

export async function removeAppendKeys(revPath: string): Promise<void> {
  await unlink(keysPath(revPath)).catch((error) => {
    if (!isMissing(error)) throw error;
  });
}
