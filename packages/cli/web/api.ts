/** Calls to the viewer's JSON API; every failure becomes an ApiError with a message fit for the page. */
import type { ApiErrorBody } from '../src/serve/api-types.js';

export class ApiError extends Error {
  /** HTTP status; 0 when the viewer's server did not answer at all. */
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    if (value !== undefined && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

async function call<T>(method: string, path: string, params: Record<string, string | number | undefined>): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${path}${query(params)}`, { method, headers: { Accept: 'application/json' } });
  } catch {
    throw new ApiError(0, 'NO_SERVER', 'The viewer does not answer: is "agent-sessions serve" still running?');
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(response.status, 'BAD_RESPONSE', `The viewer answered ${response.status} without JSON.`);
  }
  if (!response.ok) {
    const error = (body as Partial<ApiErrorBody>).error;
    throw new ApiError(response.status, error?.code ?? 'UNKNOWN', error?.message ?? `HTTP ${response.status}`);
  }
  return body as T;
}

export function apiGet<T>(path: string, params: Record<string, string | number | undefined> = {}): Promise<T> {
  return call<T>('GET', path, params);
}

export function apiDelete<T>(path: string, params: Record<string, string | number | undefined>): Promise<T> {
  return call<T>('DELETE', path, params);
}
