/** `llm_config.api_key` is never written by any backend and never returned by `load`. */
import { describe, expect, it } from 'vitest';
import type { SessionData } from '../schema.js';
import type { SuiteContext } from './context.js';
import { makeMessage, makeSession } from './data.js';
import { itWhen } from './support.js';

const SECRET = 'sk-ant-api03-SECRET-do-not-store-7f3a9c';

function withKey(id: string): SessionData {
  const doc = makeSession(id);
  (doc as Record<string, unknown>).llm_config = {
    provider: 'anthropic',
    model: 'claude',
    base_url: null,
    api_key: SECRET,
  };
  return doc;
}

function bytesOf(raw: string | Uint8Array | null): string {
  if (raw === null) throw new Error('rawRead returned null for a saved session');
  return typeof raw === 'string' ? raw : Buffer.from(raw).toString('utf8');
}

export function describeSecrets(ctx: SuiteContext): void {
  describe('secrets', () => {
    it('api_key is absent after save and load', async () => {
      const { store } = await ctx.fresh();
      await store.save(withKey('secret'));
      const back = await store.load('secret');
      expect(back?.llm_config).toEqual({ provider: 'anthropic', model: 'claude', base_url: null });
      expect(JSON.stringify(back)).not.toContain(SECRET);
    });

    const rawRead = ctx.options.rawRead;
    itWhen(
      rawRead !== undefined,
      'no rawRead given',
      'api_key is absent from the stored bytes, after save and after append',
      async () => {
        const { store, namespace } = await ctx.fresh();
        await store.save(withKey('secret-raw'));
        const raw = bytesOf(await rawRead!(namespace, 'secret-raw'));
        // rawRead really returns this session's bytes (sealed when the suite runs encrypted)
        expect(raw).toContain(ctx.options.encryption === undefined ? 'anthropic' : 'asenc1.');
        expect(raw).not.toContain(SECRET);
        expect(raw).not.toContain('api_key');
        await store.appendMessages('secret-raw', [makeMessage(0, 'after')]);
        await store.save({ ...withKey('secret-raw'), messages: [] });
        const again = bytesOf(await rawRead!(namespace, 'secret-raw'));
        expect(again).not.toContain(SECRET);
      },
    );
  });
}
