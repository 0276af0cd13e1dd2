/**
 * Failures as HTTP answers: a status and `{error: {code, message}}`. Core's typed errors keep their code; the
 * status says whose fault it is (the request, a missing session, the stored bytes, the store's server).
 */
import { SessionStoreError } from '@agent-sessions/core';
import type { ApiErrorBody } from './api-types.js';

/** A failure the viewer itself decides on: a bad parameter, an unknown route, a refused delete. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  INVALID_ARGUMENT: 400,
  INVALID_SESSION_ID: 400,
  SESSION_NOT_FOUND: 404,
  SESSION_CORRUPT: 500,
  STORE_UNAVAILABLE: 503,
  STORE_CLOSED: 503,
  // The store's server answered but refused us (credentials, permissions): a bad gateway, not a transient outage.
  STORE_ACCESS: 502,
};

export interface ErrorAnswer {
  status: number;
  body: ApiErrorBody;
  headers: Readonly<Record<string, string>>;
  /** True when nothing explains the error: the server reports it on stderr, it may be a bug. */
  unexpected: boolean;
}

export function errorAnswer(error: unknown): ErrorAnswer {
  if (error instanceof HttpError)
    return {
      status: error.status,
      body: { error: { code: error.code, message: error.message } },
      headers: error.headers,
      unexpected: false,
    };
  if (error instanceof SessionStoreError)
    return {
      status: STATUS_BY_CODE[error.code] ?? 500,
      body: { error: { code: error.code, message: error.message } },
      headers: {},
      unexpected: !(error.code in STATUS_BY_CODE),
    };
  const message = error instanceof Error ? error.message : String(error);
  return {
    status: 500,
    body: { error: { code: 'INTERNAL', message: `Unexpected error in the viewer: ${message}` } },
    headers: {},
    unexpected: true,
  };
}

/** The answer for a session id that the store does not hold. */
export function sessionNotFound(id: string): HttpError {
  return new HttpError(404, 'SESSION_NOT_FOUND', `Session "${id}" is not in this store (it may have been deleted).`);
}
