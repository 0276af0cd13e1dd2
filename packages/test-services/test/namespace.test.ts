import { describe, expect, it } from 'vitest';
import { uniqueNamespace } from '../src/namespace.js';

describe('uniqueNamespace', () => {
  it('is prefix_pid_random in lowercase', () => {
    const ns = uniqueNamespace('Redis');
    expect(ns).toMatch(new RegExp(`^redis_${process.pid}_[0-9a-f]{10}$`));
  });

  it('differs on every call', () => {
    const names = new Set(Array.from({ length: 1000 }, () => uniqueNamespace('t')));
    expect(names.size).toBe(1000);
  });

  it('is a safe unquoted PostgreSQL identifier, Redis prefix and S3 prefix for any input', () => {
    for (const prefix of ['', '9lives', 'a b/c:d', '__x__', 'Ünïcødé', 'x'.repeat(200), '../..', 'weird-😀-prefix']) {
      const ns = uniqueNamespace(prefix);
      expect(ns).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(ns.length).toBeLessThanOrEqual(63);
    }
  });

  it('keeps a readable prefix', () => {
    expect(uniqueNamespace('store-redis conformance')).toMatch(/^store_redis_conformance_\d+_[0-9a-f]{10}$/);
    expect(uniqueNamespace('42')).toMatch(/^n42_/);
  });
});
