/**
 * a3s-code's versioned snapshot envelope (`SessionSnapshotV1`), the form today's a3s-code writes to
 * `v1/sessions/id_<base64url>.json`:
 *
 * ```
 * { "schema_version": 1, "session": <SessionData>, "artifacts": [], "retained_artifact_uris": [],
 *   "trace_events": [], "run_records": [], "verification_reports": [], "subagent_tasks": [] }
 * ```
 * A document with a `schema_version` or a `session` key is an envelope (a3s-code's own rule: it never reads one as
 * a bare SessionData), and only version 1 is loadable. The members other than `session` belong to a3s-code's
 * runtime (artifacts, traces, runs); we keep them byte for byte, as raw JSON text, and write them back unchanged.
 */
import { SessionCorruptError } from '@agent-sessions/core/adapter';

export const SNAPSHOT_SCHEMA_VERSION = 1;

/** Members a3s-code writes after `session`, in its field order, each an array (serde `default`). */
const COMPONENTS = [
  'artifacts',
  'retained_artifact_uris',
  'trace_events',
  'run_records',
  'verification_reports',
  'subagent_tasks',
] as const;

/** The members of an envelope other than `session`: raw key text (with quotes) and raw value text, in file order. */
export type EnvelopeMembers = readonly (readonly [key: string, value: string])[];

/** The members a new envelope gets: version 1 and empty components, as a3s-code's `session_only` writes them. */
export const NEW_ENVELOPE: EnvelopeMembers = [
  ['"schema_version"', String(SNAPSHOT_SCHEMA_VERSION)],
  ...COMPONENTS.map((k) => [`"${k}"`, '[]'] as const),
];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Whether a parsed document is an envelope, by a3s-code's rule. */
export function isEnvelope(value: unknown): value is Record<string, unknown> {
  return isObject(value) && (Object.hasOwn(value, 'schema_version') || Object.hasOwn(value, 'session'));
}

/**
 * Checks an envelope as a3s-code's serde would (`schema_version` a u32 equal to 1, `session` present, components
 * arrays) and returns its `session`. Throws SessionCorruptError naming the record.
 */
export function envelopeSession(value: Record<string, unknown>, record: string, sessionId: string | null): unknown {
  const fail = (reason: string) => new SessionCorruptError(record, reason, { backend: 'file', sessionId });
  const version = value.schema_version;
  if (version === undefined) throw fail('it is a snapshot envelope without "schema_version"');
  if (version !== SNAPSHOT_SCHEMA_VERSION)
    throw fail(
      `it is a snapshot envelope of schema_version ${JSON.stringify(version)}, which a3s-code and this store cannot ` +
        `load (expected ${SNAPSHOT_SCHEMA_VERSION}); open it with the a3s-code version that wrote it`,
    );
  if (!isObject(value.session)) throw fail('it is a snapshot envelope whose "session" is missing or not an object');
  for (const key of COMPONENTS)
    if (value[key] !== undefined && !Array.isArray(value[key]))
      throw fail(`it is a snapshot envelope whose "${key}" is not an array`);
  return value.session;
}

/** Index just past the JSON string that starts at `text[start]` (a quote). */
function skipString(text: string, start: number): number {
  let i = start + 1;
  for (;;) {
    const quote = text.indexOf('"', i);
    if (quote < 0) return text.length;
    let backslashes = 0;
    for (let j = quote - 1; text.charCodeAt(j) === 0x5c; j--) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    i = quote + 1;
  }
}

/** Index just past the JSON value that starts at `text[start]` (the text is known to be valid JSON). */
function skipValue(text: string, start: number): number {
  const c = text[start];
  if (c === '"') return skipString(text, start);
  if (c !== '{' && c !== '[') {
    let i = start;
    while (i < text.length && !',}] \t\r\n'.includes(text[i] as string)) i++;
    return i;
  }
  let depth = 0;
  let i = start;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '"') {
      i = skipString(text, i);
      continue;
    }
    if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
    i++;
  }
  return i;
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && ' \t\r\n'.includes(text[i] as string)) i++;
  return i;
}

/**
 * The members of the envelope in `text` (valid JSON, an object) other than `session`, as raw text. Scanned, not
 * parsed, so numbers and escapes come back exactly as a3s-code wrote them.
 */
export function envelopeMembers(text: string): EnvelopeMembers {
  const members: [string, string][] = [];
  let i = skipSpace(text, text.indexOf('{') + 1);
  while (i < text.length && text[i] === '"') {
    const keyEnd = skipString(text, i);
    const key = text.slice(i, keyEnd);
    const valueStart = skipSpace(text, skipSpace(text, keyEnd) + 1);
    const valueEnd = skipValue(text, valueStart);
    if (JSON.parse(key) !== 'session') members.push([key, text.slice(valueStart, valueEnd)]);
    i = skipSpace(text, valueEnd);
    if (text[i] === ',') i = skipSpace(text, i + 1);
  }
  return members;
}

/**
 * An envelope around `sessionJson` (pretty, as the store encodes a document): `schema_version` first, `session`
 * second, then the other members as they were. Pretty-printed like serde's `to_vec_pretty`.
 */
export function encodeEnvelope(sessionJson: string, members: EnvelopeMembers): string {
  const version = members.find(([k]) => k === '"schema_version"');
  const parts = [`  "schema_version": ${version?.[1] ?? SNAPSHOT_SCHEMA_VERSION}`];
  // JSON strings hold no raw newline, so indenting every line of the document by two spaces nests it exactly.
  parts.push(`  "session": ${sessionJson.replaceAll('\n', '\n  ')}`);
  for (const [key, value] of members) if (key !== '"schema_version"') parts.push(`  ${key}: ${value}`);
  return `{\n${parts.join(',\n')}\n}`;
}
