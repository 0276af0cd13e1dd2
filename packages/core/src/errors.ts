/**
 * Typed errors. Every failure of a store rejects with a subclass of {@link SessionStoreError}, carrying a stable
 * `code`, the `backend` that raised it, the `sessionId` concerned (when there is one) and the underlying `cause`.
 * Messages say what happened and what to do about it.
 */

export type SessionStoreErrorCode =
  | 'SESSION_VALIDATION'
  | 'SESSION_CORRUPT'
  | 'INVALID_SESSION_ID'
  | 'INVALID_ARGUMENT'
  | 'SESSION_CONFLICT'
  | 'SESSION_TOO_LARGE'
  | 'STORE_UNAVAILABLE'
  | 'STORE_ACCESS'
  | 'STORE_CLOSED'
  | 'STORE_NOT_INSTALLED'
  | 'ENCRYPTION_KEY'
  | 'SESSION_NOT_FOUND'
  | 'STORE_FAILURE';

/** What every SessionStoreError may carry besides its message. */
export interface SessionStoreErrorOptions {
  /** The backend that throws. */
  backend?: string;
  /** The session the call was about. */
  sessionId?: string | null;
  /** The underlying error (a driver's), kept as `cause`. */
  cause?: unknown;
}

/** The base of every error a store throws: `code`, `backend`, `sessionId`, `cause`, `transient`. */
export class SessionStoreError extends Error {
  /** A stable machine-readable code, one per error class (`SESSION_CONFLICT`, …). */
  readonly code: SessionStoreErrorCode;
  /** The backend that threw (`backendName` of the store; `unknown` when none was given). */
  readonly backend: string;
  /** The session the call was about, or null. */
  readonly sessionId: string | null;
  /** True when retrying the same call later may succeed (connection refused, timeout). */
  readonly transient: boolean = false;

  constructor(code: SessionStoreErrorCode, message: string, options: SessionStoreErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.backend = options.backend ?? 'unknown';
    this.sessionId = options.sessionId ?? null;
  }
}

/** One schema violation: the dotted path of the offending field and what is wrong with it. */
export interface ValidationIssue {
  /** The path of the offending field, from the document. */
  path: (string | number)[];
  /** What is wrong with it. */
  message: string;
}

/** A field path as dotted text with array indexes in brackets (`messages[3].content`). */
export function formatIssuePath(path: readonly (string | number)[]): string {
  if (path.length === 0) return '(document)';
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out === '' ? part : `.${part}`;
  return out;
}

function describeIssues(issues: readonly ValidationIssue[]): string {
  const shown = issues.slice(0, 5).map((i) => `${formatIssuePath(i.path)}: ${i.message}`);
  if (issues.length > 5) shown.push(`… and ${issues.length - 5} more`);
  return shown.join('; ');
}

/** `save` or `appendMessages` was given a document (or messages) that the schema refuses. Nothing was written. */
export class SessionValidationError extends SessionStoreError {
  /** Every schema violation found. */
  readonly issues: readonly ValidationIssue[];
  /** The path of the first offending field, e.g. `messages[3].content[0].type`. */
  readonly path: string;

  constructor(issues: readonly ValidationIssue[], options: SessionStoreErrorOptions = {}) {
    super(
      'SESSION_VALIDATION',
      `Invalid session document${options.sessionId ? ` "${options.sessionId}"` : ''}: ${describeIssues(issues)}. ` +
        'Fix the field(s) named; nothing was written.',
      options,
    );
    this.issues = issues;
    this.path = formatIssuePath(issues[0]?.path ?? []);
  }
}

/** Stored bytes that do not parse as JSON or do not match the schema. Names the record so it can be repaired. */
export class SessionCorruptError extends SessionStoreError {
  /** Where the bad bytes live: a file path, a key, a row id or an object key. */
  readonly record: string;
  /** The schema violations of the stored document, when it parsed as JSON. */
  readonly issues: readonly ValidationIssue[];

  constructor(record: string, reason: string, options: SessionStoreErrorOptions & { issues?: ValidationIssue[] } = {}) {
    super(
      'SESSION_CORRUPT',
      `Stored session ${record} is corrupt: ${reason}. Restore it from a backup, repair it by hand, or delete it.`,
      options,
    );
    this.record = record;
    this.issues = options.issues ?? [];
  }
}

/** An id that is not 1–255 UTF-8 bytes of well-formed text without control characters. */
export class InvalidSessionIdError extends SessionStoreError {
  constructor(reason: string, options: SessionStoreErrorOptions = {}) {
    super(
      'INVALID_SESSION_ID',
      `Invalid session id: ${reason}. An id is a string of 1 to 255 UTF-8 bytes without control characters or lone surrogates.`,
      { ...options, sessionId: null },
    );
  }
}

/** An option, cursor or limit that the store cannot accept. */
export class InvalidArgumentError extends SessionStoreError {
  /** The name of the argument or option that was refused. */
  readonly argument: string;
  constructor(argument: string, reason: string, options: SessionStoreErrorOptions = {}) {
    super('INVALID_ARGUMENT', `Invalid ${argument}: ${reason}.`, options);
    this.argument = argument;
  }
}

/** The stored revision is not the one the caller expected. Nothing was written. */
export class SessionConflictError extends SessionStoreError {
  /** The revision the caller expected (`expectedRevision`). */
  readonly expectedRevision: number;
  /** The revision in the store now, or null when the session does not exist. */
  readonly currentRevision: number | null;

  constructor(
    sessionId: string,
    expectedRevision: number,
    currentRevision: number | null,
    options: SessionStoreErrorOptions = {},
  ) {
    const what =
      expectedRevision === 0
        ? `it already exists at revision ${currentRevision}`
        : currentRevision === null
          ? `expected revision ${expectedRevision} but it does not exist`
          : `expected revision ${expectedRevision} but it is at revision ${currentRevision}`;
    super(
      'SESSION_CONFLICT',
      `Session "${sessionId}" was changed by someone else: ${what}. Load it again, reapply your change and retry.`,
      { ...options, sessionId },
    );
    this.expectedRevision = expectedRevision;
    this.currentRevision = currentRevision;
  }
}

/** A document whose encoded size is over the backend's `maxDocumentBytes`. */
export class SessionTooLargeError extends SessionStoreError {
  /** The encoded size of the document, in bytes. */
  readonly bytes: number;
  /** The backend's limit (`maxDocumentBytes`). */
  readonly maxBytes: number;
  constructor(sessionId: string, bytes: number, maxBytes: number, options: SessionStoreErrorOptions = {}) {
    super(
      'SESSION_TOO_LARGE',
      `Session "${sessionId}" is ${bytes} bytes encoded, over this backend's limit of ${maxBytes} bytes. ` +
        'Compact the conversation or use a backend with a larger limit; nothing was written.',
      { ...options, sessionId },
    );
    this.bytes = bytes;
    this.maxBytes = maxBytes;
  }
}

/** Connection refused, reset or timed out: transient, the same call may succeed later. */
export class StoreUnavailableError extends SessionStoreError {
  override readonly transient = true;
  constructor(message: string, options: SessionStoreErrorOptions = {}) {
    // Driver messages often end with a full stop already ("Connection is closed.").
    super(
      'STORE_UNAVAILABLE',
      `${message.replace(/[.\s]+$/, '')}. Check that the server is running and reachable, then retry.`,
      options,
    );
  }
}

/** Credentials, permissions, a missing bucket or a read-only location: retrying will not help. */
export class StoreAccessError extends SessionStoreError {
  constructor(message: string, options: SessionStoreErrorOptions = {}) {
    super('STORE_ACCESS', message, options);
  }
}

/**
 * The store a URL or options name does not exist (a missing folder, database file or table) and it was opened with
 * `create: false`, which creates nothing. `location` is the path or name that was looked for.
 */
export class StoreNotFoundError extends StoreAccessError {
  readonly location: string;
  constructor(message: string, location: string, options: SessionStoreErrorOptions = {}) {
    super(message, options);
    this.location = location;
  }
}

/** A call on a store after `close()`. */
export class StoreClosedError extends SessionStoreError {
  constructor(options: SessionStoreErrorOptions = {}) {
    super('STORE_CLOSED', 'The session store was closed. Open a new store to keep working.', options);
  }
}

/** `openSessionStore` of a URL whose adapter package is not installed; names the package to install. */
export class StoreNotInstalledError extends SessionStoreError {
  /** The package to install. */
  readonly packageName: string;
  constructor(packageName: string, scheme: string, options: SessionStoreErrorOptions = {}) {
    super(
      'STORE_NOT_INSTALLED',
      `The "${scheme}" session store needs the package ${packageName}, which is not installed. ` +
        `Install it in your application: npm install ${packageName}`,
      options,
    );
    this.packageName = packageName;
  }
}

/**
 * A stored record is sealed with a key the store was not given (or the store was opened without encryption). The
 * record is intact: open the store with that key among `encryption.keys`.
 */
export class EncryptionKeyError extends SessionStoreError {
  /** The key id the record names. */
  readonly keyId: string;
  readonly record: string;
  constructor(keyId: string, record: string, options: SessionStoreErrorOptions & { notConfigured?: boolean } = {}) {
    super(
      'ENCRYPTION_KEY',
      options.notConfigured
        ? `Stored session ${record} is encrypted with key "${keyId}", but the store was opened without encryption. ` +
            'Open it with encryption: { keys: [{ id, key }] } holding that key.'
        : `Stored session ${record} is encrypted with key "${keyId}", which is not among encryption.keys. ` +
            'Add that key (keep it listed until every record has been rewritten with the current one).',
      options,
    );
    this.keyId = keyId;
    this.record = record;
  }
}

/** `appendMessages` on a session that does not exist: save it first. */
export class SessionNotFoundError extends SessionStoreError {
  constructor(sessionId: string, options: SessionStoreErrorOptions = {}) {
    super('SESSION_NOT_FOUND', `Session "${sessionId}" does not exist. Save it before appending messages.`, {
      ...options,
      sessionId,
    });
  }
}

/** The backend failed in a way no other class describes; `cause` holds the driver's error. */
export class StoreOperationError extends SessionStoreError {
  constructor(message: string, options: SessionStoreErrorOptions = {}) {
    super('STORE_FAILURE', message, options);
  }
}

/** Whether a value is a SessionStoreError (of this copy of core). */
export function isSessionStoreError(value: unknown): value is SessionStoreError {
  return value instanceof SessionStoreError;
}
