import { InvalidArgumentError, openSessionStore } from '@agent-sessions/core/adapter';
import { makeSession } from '@agent-sessions/core/conformance';
import { describe, expect, it } from 'vitest';

describe('memory: URLs', () => {
  it('memory: opens a private store; memory:<name> shares data by name', async () => {
    const a = await openSessionStore('memory:shared-by-name');
    const b = await openSessionStore('memory:shared-by-name');
    const c = await openSessionStore('memory:');
    // The adapter is resolved like an application would (it may be the built copy), so check behaviour, not class.
    expect(a.backendName).toBe('memory');
    await a.save(makeSession('x'));
    expect(await b.exists('x')).toBe(true);
    expect(await c.exists('x')).toBe(false);
  });

  it('?maxDocumentBytes= sets the size limit', async () => {
    const store = await openSessionStore('memory:?maxDocumentBytes=2000');
    await expect(store.save(makeSession('big', { messages: 40 }))).rejects.toThrow(
      /over this backend's limit of 2000 bytes/,
    );
    expect(await store.exists('big')).toBe(false);
  });

  it('an unknown or malformed query parameter throws InvalidArgumentError', async () => {
    for (const url of ['memory:?maxDocumentByte=2000', 'memory:x?ttl=5', 'memory:?maxDocumentBytes=lots']) {
      const error = await openSessionStore(url).catch((e: unknown) => e);
      // The adapter may be the built copy with its own core: check the error by name and code, not by class.
      expect((error as Error).name, url).toBe(InvalidArgumentError.name);
      expect((error as InvalidArgumentError).code, url).toBe('INVALID_ARGUMENT');
    }
  });
});
