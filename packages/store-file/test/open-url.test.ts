/** `openSessionStore('file:…')` from core finds this package and opens a working store. */
import { fileURLToPath } from 'node:url';
import { createSession, openSessionStore } from '@agent-sessions/core/adapter';
import { describe, expect, it } from 'vitest';
import { tempRoot } from './helpers.js';

const newDir = tempRoot('open');
const packageDir = fileURLToPath(new URL('..', import.meta.url));

describe('openSessionStore', () => {
  it('opens a file store from file:///abs/path with query options', async () => {
    const dir = newDir();
    const store = await openSessionStore(`file://${dir}?fsync=false`, { resolveFrom: packageDir });
    expect(store.backendName).toBe('file');
    const doc = createSession({ id: 'via-url' });
    expect(await store.save(doc)).toEqual({ revision: 1 });
    expect(await store.load('via-url')).toEqual(doc);
    await store.close();
  });
});
