/**
 * Encryption at rest (when the suite runs with `encryption`): nothing of the conversation or the name is readable
 * in raw storage, keys rotate (read with any listed key, write with the first), and a store without the right key
 * gets a typed error naming it, never garbage and never a silent null.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { EncryptionOptions } from '../encryption.js';
import { EncryptionKeyError, SessionCorruptError } from '../errors.js';
import type { SessionData } from '../schema.js';
import type { SuiteContext } from './context.js';
import { makeSession } from './data.js';
import { itWhen, rejectionOf } from './support.js';

const NAME = 'name-marker-4f1c';
const TEXT = 'message-marker-9b2e';

function marked(id: string): SessionData {
  const doc = makeSession(id, { messages: 2 });
  return {
    ...doc,
    config: { ...doc.config, name: NAME },
    messages: [...doc.messages, { role: 'user', content: [{ type: 'text', text: TEXT }] }],
  };
}

function rotated(options: EncryptionOptions): EncryptionOptions {
  return { ...options, keys: [{ id: 'conformance-next', key: randomBytes(32) }, ...options.keys] };
}

export function describeEncryption(ctx: SuiteContext): void {
  const encryption = ctx.options.encryption;
  if (encryption === undefined) return;
  const rawRead = ctx.options.rawRead;
  const current = encryption.keys[0]?.id as string;

  describe('encryption at rest', () => {
    itWhen(rawRead !== undefined, 'no rawRead given', 'raw storage holds no message text and no name', async () => {
      const { store, namespace } = await ctx.fresh();
      await store.save(marked('sealed'));
      await store.appendMessages('sealed', [{ role: 'user', content: [{ type: 'text', text: `${TEXT}-appended` }] }]);
      const raw = await rawRead?.(namespace, 'sealed');
      const text = typeof raw === 'string' ? raw : Buffer.from(raw as Uint8Array).toString('utf8');
      expect(text).toContain(`asenc1.${current}.`);
      expect(text).not.toContain(TEXT);
      if (!encryption.clearNames) expect(text).not.toContain(NAME);
      expect((await store.load('sealed'))?.messages.at(-1)).toEqual({
        role: 'user',
        content: [{ type: 'text', text: `${TEXT}-appended` }],
      });
    });

    it('keys rotate: a new first key reads old records, and a rewritten record needs only the new key', async () => {
      const { store, namespace } = await ctx.fresh();
      const doc = marked('rotating');
      await store.save(doc);
      const next = rotated(encryption);
      const both = await ctx.reopen(namespace, { encryption: next });
      expect(await both.load('rotating')).toEqual(doc);
      // A save that changes the first message rewrites every stored part with the new key.
      const changed = { ...doc, messages: [doc.messages[1], ...doc.messages] } as SessionData;
      await both.save(changed);
      const onlyNext = await ctx.reopen(namespace, { encryption: { ...next, keys: next.keys.slice(0, 1) } });
      expect(await onlyNext.load('rotating')).toEqual(changed);
      expect((await onlyNext.listSessions()).sessions.map((s) => [s.id, s.name])).toEqual([['rotating', NAME]]);
    });

    it('a store without the key gets EncryptionKeyError naming it; with the wrong bytes, SessionCorruptError', async () => {
      const { store, namespace } = await ctx.fresh();
      await store.save(marked('locked'));
      const stranger = await ctx.reopen(namespace, {
        encryption: { ...encryption, keys: [{ id: 'conformance-other', key: randomBytes(32) }] },
      });
      const missing = await rejectionOf(stranger.load('locked'));
      expect(missing).toBeInstanceOf(EncryptionKeyError);
      expect((missing as EncryptionKeyError).keyId).toBe(current);
      expect(missing.message).toContain(current);
      // Listed from clear summary fields, or reported unreadable with that error: never a garbled name.
      const page = await stranger.listSessions();
      for (const s of page.sessions) expect(s.name).toBe(NAME);
      for (const u of page.unreadable) expect(u.error).toBeInstanceOf(EncryptionKeyError);
      expect(page.sessions.length + page.unreadable.length).toBe(1);

      const plain = await ctx.reopen(namespace, {});
      expect(await rejectionOf(plain.load('locked'))).toBeInstanceOf(EncryptionKeyError);

      const forged = await ctx.reopen(namespace, {
        encryption: { ...encryption, keys: [{ id: current, key: randomBytes(32) }] },
      });
      expect(await rejectionOf(forged.load('locked'))).toBeInstanceOf(SessionCorruptError);
      // None of that damaged anything.
      expect(await store.load('locked')).toEqual(marked('locked'));
    });
  });
}
