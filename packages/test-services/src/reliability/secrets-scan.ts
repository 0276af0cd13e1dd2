/**
 * `llm_config.api_key` never reaches storage: sessions saved, appended to and saved again with a key, then every
 * byte the backend holds for the namespace (files, database and WAL, keys, rows, objects) is scanned. A canary in a
 * message proves the scan sees the data; the key must be found 0 times, as text or base64.
 */
import type { SessionData, SessionStore } from '@agent-sessions/core';
import { describe, expect, it } from 'vitest';
import { uniqueNamespace } from '../namespace.js';
import { baseSession, textMessage } from './model.js';

export interface SecretScanOptions {
  create(namespace: string): Promise<SessionStore>;
  /**
   * Every stored byte of the namespace, as chunks (decompressed where the backend compresses). Called while the
   * store is open (so a WAL is still there) and again after it closed.
   */
  rawDump(namespace: string): Promise<Buffer[]>;
  cleanup?(namespace: string): Promise<void>;
  report?(line: string): void;
}

const SECRET = 'sk-ant-api03-RELIABILITY-SECRET-3e1f0b9d';

function withKey(id: string, canary: string, messages: number): SessionData {
  const doc = baseSession(
    id,
    `keyed ${id}`,
    Array.from({ length: messages }, (_, i) => textMessage(i, `${canary} ${id} ${i}`)),
  );
  (doc as Record<string, unknown>).llm_config = {
    provider: 'anthropic',
    model: 'claude',
    base_url: null,
    api_key: SECRET,
  };
  return doc;
}

function occurrences(chunks: Buffer[], needle: string): number {
  let n = 0;
  for (const chunk of chunks) {
    for (const form of [Buffer.from(needle), Buffer.from(Buffer.from(needle).toString('base64'))]) {
      for (let at = chunk.indexOf(form); at !== -1; at = chunk.indexOf(form, at + 1)) n++;
    }
  }
  return n;
}

export function describeSecretScan(name: string, options: SecretScanOptions): void {
  const report = options.report ?? ((line: string) => console.info(`[secrets] ${name}: ${line}`));
  describe(`${name}: api keys in raw storage`, () => {
    it('after saves, appends and re-saves with llm_config.api_key, the key is found 0 times in storage', async () => {
      const namespace = uniqueNamespace('secrets');
      const canary = `CANARY${namespace}`;
      const store = await options.create(namespace);
      try {
        for (const [i, id] of ['s-1', 's-2', 'a/b with spaces', '😀'].entries()) {
          await store.save(withKey(id, canary, 2 + i * 20));
          await store.appendMessages(id, [textMessage(0, `${canary} appended`)]);
          const again = withKey(id, canary, 3 + i * 20);
          await store.save(again);
          await store.save({ ...again, messages: [...again.messages, textMessage(1, `${canary} tail`)] });
        }
        const chunks = await options.rawDump(namespace);
        const bytes = chunks.reduce((n, c) => n + c.length, 0);
        // The dump really holds the sessions: the canary of their messages is there.
        expect(occurrences(chunks, canary)).toBeGreaterThan(0);
        expect(occurrences(chunks, SECRET)).toBe(0);
        expect(occurrences(chunks, 'api_key')).toBe(0);
        report(
          `${bytes} bytes in ${chunks.length} records scanned: the key 0 times, the canary ${occurrences(chunks, canary)} times`,
        );
      } finally {
        await store.close();
      }
      const closed = await options.rawDump(namespace);
      expect(occurrences(closed, SECRET)).toBe(0);
      await options.cleanup?.(namespace);
    });
  });
}
