/**
 * Store URLs: the split every adapter gets (`parseStoreUrl`), and one declarative reader of query parameters that
 * every adapter uses, so a parameter has the same name, syntax and error everywhere (the option's own name).
 */
import { InvalidArgumentError } from './errors.js';

/** A store URL split into what every adapter needs. */
export interface StoreUrl {
  /** The URL as given. */
  href: string;
  /** Lower-case scheme without the colon: "file", "redis", … */
  scheme: string;
  /** What follows `scheme:` up to `?` (a path for file/sqlite, `//host…` for network URLs). */
  location: string;
  /** Backend options from the query string. */
  params: URLSearchParams;
}

/** Splits a store URL into scheme, location and parameters; InvalidArgumentError for one that does not parse. */
export function parseStoreUrl(url: string): StoreUrl {
  if (typeof url !== 'string' || url.trim() === '')
    throw new InvalidArgumentError(
      'store URL',
      'expected a string such as "file:./sessions" or "redis://localhost:6379"',
    );
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):(.*)$/s.exec(url.trim());
  if (!match)
    throw new InvalidArgumentError(
      'store URL',
      `"${url}" has no scheme; expected e.g. file:./sessions, sqlite:./s.db, redis://…`,
    );
  const rest = match[2] as string;
  const q = rest.indexOf('?');
  return {
    href: url,
    scheme: (match[1] as string).toLowerCase(),
    location: q === -1 ? rest : rest.slice(0, q),
    params: new URLSearchParams(q === -1 ? '' : rest.slice(q + 1)),
  };
}

/** One query parameter: its syntax, and older names still accepted for it. */
export type UrlParam = {
  /** Other names accepted for this parameter (documented as aliases). */
  aliases?: readonly string[];
} & (
  | { type: 'string' }
  /** A positive integer. */
  | { type: 'integer' }
  /** 0 or a positive integer. */
  | { type: 'count' }
  /** `true`/`false` (also `1`/`0`). */
  | { type: 'boolean' }
  /** A positive number of milliseconds, or `none` (null) for no limit. */
  | { type: 'timeout' }
  | { type: 'enum'; values: readonly string[] }
);

type ValueOf<P extends UrlParam> = P extends { type: 'string' | 'enum' }
  ? string
  : P extends { type: 'boolean' }
    ? boolean
    : P extends { type: 'timeout' }
      ? number | null
      : number;

/** The values `readUrlParams` read, typed by the declaration. */
export type UrlParamValues<S extends Record<string, UrlParam>> = { -readonly [K in keyof S]?: ValueOf<S[K]> };

/** Options of `readUrlParams`. */
export interface ReadUrlParamsOptions {
  /**
   * Parameters this store does not know are handed back in `rest` for its driver (redis, postgres) instead of
   * being refused.
   */
  passThrough?: boolean;
}

function convert(name: string, raw: string, param: UrlParam, backend: string): string | number | boolean | null {
  const bad = (expected: string) =>
    new InvalidArgumentError(`${name} parameter`, `expected ${expected} in the store URL, got "${raw}"`, { backend });
  switch (param.type) {
    case 'string':
      return raw;
    case 'integer':
    case 'count':
    case 'timeout': {
      if (param.type === 'timeout' && raw === 'none') return null;
      const n = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
      if (!Number.isSafeInteger(n) || (param.type !== 'count' && n === 0))
        throw bad(
          param.type === 'count'
            ? '0 or a positive integer'
            : param.type === 'timeout'
              ? 'milliseconds or none'
              : 'a positive integer',
        );
      return n;
    }
    case 'boolean':
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      throw bad('true or false');
    case 'enum':
      if (!param.values.includes(raw)) throw bad(param.values.join(' or '));
      return raw;
  }
}

/**
 * Reads the query parameters `spec` names (by name or alias; each at most once), converted to their types.
 * Unknown parameters are refused with the list of known ones (a typo must not pass silently), unless
 * `passThrough`, when they come back in `rest`.
 */
export function readUrlParams<S extends Record<string, UrlParam>>(
  url: StoreUrl,
  spec: S,
  backend: string,
  options: ReadUrlParamsOptions = {},
): { values: UrlParamValues<S>; rest: URLSearchParams } {
  const byName = new Map<string, string>();
  for (const [name, param] of Object.entries(spec)) {
    byName.set(name, name);
    for (const alias of param.aliases ?? []) byName.set(alias, name);
  }
  const values: Record<string, unknown> = {};
  const given = new Map<string, string>();
  const rest = new URLSearchParams();
  for (const [key, raw] of url.params) {
    const name = byName.get(key);
    if (name === undefined) {
      if (options.passThrough) {
        rest.append(key, raw);
        continue;
      }
      throw new InvalidArgumentError(
        'store URL',
        `unknown query parameter "${key}"; the ${backend} store accepts ${Object.keys(spec).join(', ')}`,
        { backend },
      );
    }
    const earlier = given.get(name);
    if (earlier !== undefined)
      throw new InvalidArgumentError(
        `${name} parameter`,
        earlier === key ? 'give it once' : `give it once (as ${name}; ${earlier} and ${key} are the same parameter)`,
        { backend },
      );
    given.set(name, key);
    values[name] = convert(key, raw, spec[name] as UrlParam, backend);
  }
  return { values: values as UrlParamValues<S>, rest };
}
