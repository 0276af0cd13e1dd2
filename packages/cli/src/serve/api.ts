/**
 * The JSON API under /api/ that the page uses. Session ids travel as the `id` query parameter, not as a path
 * segment: an id may be any string, and `..`, `.` or `a/b` in a path would be rewritten by URL normalization.
 */
import type { SessionStore } from '@agent-sessions/core';
import type { DeleteResult, SessionListPage, SessionUsage, SessionView, ViewerInfo } from './api-types.js';
import { DEFAULT_MESSAGE_LIMIT, loadConversation, MAX_MESSAGE_LIMIT } from './conversation.js';
import { HttpError, sessionNotFound } from './http-errors.js';
import { DEFAULT_PAGE_SIZE, listPage, MAX_PAGE_SIZE } from './listing.js';
import { integerParam, stringParam } from './query.js';
import { computeUsage } from './usage.js';

export interface ApiContext {
  store: SessionStore;
  info: ViewerInfo;
}

export type ApiBody = ViewerInfo | SessionListPage | SessionView | SessionUsage | DeleteResult;

type Handler = (params: URLSearchParams, ctx: ApiContext) => Promise<ApiBody>;

function requiredId(params: URLSearchParams): string {
  const id = params.get('id');
  if (id === null || id === '')
    throw new HttpError(400, 'INVALID_ARGUMENT', 'Invalid id: the request names no session (?id=).');
  return id;
}

const getInfo: Handler = async (_params, ctx) => ctx.info;

const getSessions: Handler = (params, ctx) => {
  const cursor = stringParam(params, 'cursor');
  const parentId = stringParam(params, 'parent');
  const name = stringParam(params, 'name');
  return listPage(ctx.store, {
    limit: integerParam(params, 'limit', 1, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE),
    ...(cursor === undefined ? {} : { cursor }),
    ...(parentId === undefined ? {} : { parentId }),
    ...(name === undefined ? {} : { name }),
  });
};

const getSession: Handler = (params, ctx) => {
  const before = integerParam(params, 'before', 0, Number.MAX_SAFE_INTEGER);
  return loadConversation(ctx.store, requiredId(params), {
    limit: integerParam(params, 'limit', 1, MAX_MESSAGE_LIMIT, DEFAULT_MESSAGE_LIMIT),
    ...(before === undefined ? {} : { before }),
  });
};

const getUsage: Handler = async (params, ctx) => {
  const id = requiredId(params);
  const session = await ctx.store.load(id);
  if (session === null) throw sessionNotFound(id);
  return computeUsage(session);
};

const deleteSession: Handler = async (params, ctx) => {
  if (!ctx.info.allowDelete)
    throw new HttpError(
      403,
      'READ_ONLY',
      'This viewer is read-only: restart it with --allow-delete to delete sessions.',
    );
  const id = requiredId(params);
  if (!(await ctx.store.delete(id))) throw sessionNotFound(id);
  return { deleted: true, id };
};

/** Path → method → handler. */
const ROUTES: Readonly<Record<string, Readonly<Record<string, Handler>>>> = {
  '/api/info': { GET: getInfo },
  '/api/sessions': { GET: getSessions },
  '/api/session': { GET: getSession, DELETE: deleteSession },
  '/api/usage': { GET: getUsage },
};

/** Answers one API request, or throws an HttpError or a store error for the server to turn into a status. */
export async function handleApi(
  method: string,
  path: string,
  params: URLSearchParams,
  ctx: ApiContext,
): Promise<ApiBody> {
  const methods = ROUTES[path];
  if (methods === undefined)
    throw new HttpError(404, 'NOT_FOUND', `No API at ${path}; see the CLI README for the routes.`);
  const handler = methods[method === 'HEAD' ? 'GET' : method];
  if (handler === undefined) {
    const allow = Object.keys(methods).join(', ');
    throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${path} answers ${allow}, not ${method}.`, { Allow: allow });
  }
  return handler(params, ctx);
}
