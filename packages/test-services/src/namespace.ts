import { randomBytes } from 'node:crypto';

const MAX_PREFIX = 40;

/**
 * A name unique to this call: `${prefix}_${pid}_${random}`, lowercase `[a-z0-9_]`, starting with a letter and at most
 * 63 characters, so it is safe as a PostgreSQL schema name (unquoted), a Redis key prefix and an S3 key prefix.
 */
export function uniqueNamespace(prefix: string): string {
  let base = prefix
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (base === '') base = 'ns';
  if (!/^[a-z]/.test(base)) base = `n${base}`;
  base = base.slice(0, MAX_PREFIX).replace(/_+$/, '');
  return `${base}_${process.pid}_${randomBytes(5).toString('hex')}`;
}
