/** Query parameters of API requests, checked: a bad value is a 400 that names the parameter. */
import { HttpError } from './http-errors.js';

/** A non-empty string parameter, or undefined. */
export function stringParam(params: URLSearchParams, name: string): string | undefined {
  const value = params.get(name);
  return value === null || value === '' ? undefined : value;
}

/** An integer parameter from `min` to `max`; `fallback` when absent. */
export function integerParam(params: URLSearchParams, name: string, min: number, max: number, fallback: number): number;
export function integerParam(
  params: URLSearchParams,
  name: string,
  min: number,
  max: number,
  fallback?: undefined,
): number | undefined;
export function integerParam(
  params: URLSearchParams,
  name: string,
  min: number,
  max: number,
  fallback?: number,
): number | undefined {
  const raw = stringParam(params, name);
  if (raw === undefined) return fallback;
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max)
    throw new HttpError(
      400,
      'INVALID_ARGUMENT',
      `Invalid ${name}: must be an integer from ${min} to ${max}, got "${raw}".`,
    );
  return value;
}
