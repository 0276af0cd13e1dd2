/**
 * Lua scripts: each touches only the keys of one session (one hash tag, so one Cluster slot) and makes the checks
 * and the write one atomic step. On a standalone server the save script changes the listing index in the same step;
 * on a Cluster the index lives in another slot and the client changes it right after (see session-index.ts).
 *
 * Arguments travel as one JSON object (ARGV[1], read with cjson), numbers as strings so that Lua never formats
 * one (it would print large ones with an exponent). ARGV[2] is the payload kind and ARGV[3] the inline text.
 *
 * Large message texts never pass through Lua: copying a big argument into the Lua VM and out again costs about as
 * much as the whole round trip. The client stages them in a private list under the session's hash tag (RPUSH in the
 * same pipeline, just before the script), and the script moves that list element in place with RENAME or LMOVE,
 * which copy nothing. Small texts (one agent turn) travel inline.
 */
import { randomBytes } from 'node:crypto';
import { APPEND_KEY_WINDOW, type SegmentAppend, type SegmentWrite } from '@agent-sessions/core/adapter';

function writeToken(): string {
  return randomBytes(12).toString('base64url');
}

/** The guard state of a session: the message log and, for the index kept in the script, the stored parent (JSON). */
export interface RedisState {
  count: number;
  digest: string;
  parent: string;
}

/**
 * The payload: 'none', 'inline' (the text is ARGV[3]) or 'staged' (the only element of KEYS[3]). `drop` removes a
 * staged payload the script does not use; `place` appends the payload to KEYS[2], which must not carry a TTL of the
 * staged key (the caller sets the session's TTL afterwards). `guard` answers the shared checks of both writes.
 */
const COMMON = `
local kind = ARGV[2]
local function drop() if kind == 'staged' then redis.call('DEL', KEYS[3]) end end
local function place()
  if kind == 'inline' then
    redis.call('RPUSH', KEYS[2], ARGV[3])
  elseif kind == 'staged' then
    if redis.call('EXISTS', KEYS[2]) == 1 then
      redis.call('LMOVE', KEYS[3], KEYS[2], 'RIGHT', 'RIGHT')
    else
      redis.call('RENAME', KEYS[3], KEYS[2])
    end
  end
end
local a = cjson.decode(ARGV[1])
local rev = redis.call('HGET', KEYS[1], 'rev')
local cur = 0
if rev then cur = tonumber(rev) end
local function refuse(reply) drop() return reply end
-- A command ioredis sent again after a lost reply carries the token of the write it already made: answer as the
-- first time did, and write nothing twice.
local replayed = a.token ~= '' and redis.call('HGET', KEYS[1], 'wt') == a.token
-- 'segs': the message count of each list element, comma-separated, so a slice finds its elements without reading
-- the others. Absent on sessions written before it existed (until their next rewrite): slices then read it all.
local function nextSegs(segs, replaced, kind, count, baseCount)
  local added = tonumber(count)
  if not replaced then added = added - (tonumber(baseCount) or 0) end
  if replaced then
    if added > 0 then return tostring(added) end
    return ''
  end
  if not segs then return false end
  if kind == 'none' or added <= 0 then return segs end
  if segs == '' then return tostring(added) end
  return segs .. ',' .. tostring(added)
end
`;

/**
 * save. KEYS: head, messages, staged payload, then on a standalone server (the index is written in the same step)
 * the index, the expiry set, the new parent's index and the stored parent's index (as planned; KEYS[4] stands in
 * for a parent index that is not needed). ARGV[1]: SaveArgs.
 * Replies {'ok', rev, previous updated_at | false, previous parent | false, overdue (1 when an expired index entry
 * waits to be swept)}, {'conflict', current rev (0 = missing)}, {'stale'} when the stored session is not the one
 * planned over, or {'lost'} when a staged payload is missing (its RPUSH failed: nothing was written).
 */
export const SAVE = `${COMMON}
if replayed then return refuse({'ok', cur, false, false, 0}) end
if a.expected ~= '' and tonumber(a.expected) ~= cur then return refuse({'conflict', cur}) end
if kind == 'staged' and redis.call('EXISTS', KEYS[3]) == 0 then return {'lost'} end
local prev = {false, false, false, false}
if a.create then
  if rev then return refuse({'stale'}) end
else
  if not rev then return refuse({'stale'}) end
  local s = redis.call('HMGET', KEYS[1], 'count', 'digest', 'parent')
  if s[1] ~= a.baseCount or s[2] ~= a.baseDigest or (a.indexed and s[3] ~= a.baseParent) then return refuse({'stale'}) end
  prev = redis.call('HMGET', KEYS[1], 'updated_at', 'parent', 'ix', 'xe')
end
local segs = redis.call('HGET', KEYS[1], 'segs')
if a.cut ~= '' then
  -- A truncate: the segment it cuts ends the list; the client knows the kept segments' counts.
  local cut = tonumber(a.cut)
  local kept = {}
  if cut < 0 then redis.call('DEL', KEYS[2]) else
    redis.call('LSET', KEYS[2], cut, a.cutText)
    redis.call('LTRIM', KEYS[2], 0, cut)
    if segs then for n in string.gmatch(segs, '%d+') do if #kept < cut then table.insert(kept, n) end end end
    table.insert(kept, a.cutCount)
  end
  segs = table.concat(kept, ',')
else
  if a.create or a.rewrite then redis.call('DEL', KEYS[2]) end
  place()
  segs = nextSegs(segs, a.create or a.rewrite, kind, a.count, a.baseCount)
end
redis.call('HSET', KEYS[1], 'rev', cur + 1, 'count', a.count, 'digest', a.digest, 'head', a.head, 'name', a.name,
  'state', a.state, 'created_at', a.createdAt, 'updated_at', a.updatedAt, 'parent', a.parent, 'bytes', a.bytes,
  'ix', a.member, 'xe', a.expiryEntry, 'wt', a.token)
if segs then redis.call('HSET', KEYS[1], 'segs', segs) else redis.call('HDEL', KEYS[1], 'segs') end
if a.ttl ~= '' then
  redis.call('PEXPIRE', KEYS[1], a.ttl)
  redis.call('PEXPIRE', KEYS[2], a.ttl)
else
  redis.call('PERSIST', KEYS[1])
  redis.call('PERSIST', KEYS[2])
end
local overdue = 0
if a.indexed then
  local oldIx = prev[3]
  if oldIx and oldIx ~= a.member then redis.call('ZREM', KEYS[4], oldIx) end
  if oldIx and prev[2] ~= 'null' and (prev[2] ~= a.parent or oldIx ~= a.member) then
    redis.call('ZREM', KEYS[7], oldIx)
  end
  redis.call('ZADD', KEYS[4], 0, a.member)
  if a.parent ~= 'null' then redis.call('ZADD', KEYS[6], 0, a.member) end
  if prev[4] then redis.call('ZREM', KEYS[5], prev[4]) end
  if a.expiresAt ~= '' then redis.call('ZADD', KEYS[5], a.expiresAt, a.expiryEntry) end
  overdue = #redis.call('ZRANGEBYSCORE', KEYS[5], '-inf', a.now, 'LIMIT', 0, 1)
end
return {'ok', cur + 1, prev[1], prev[2], overdue}
`;

/** ARGV[1] of SAVE. */
export interface SaveArgs {
  /** Unique per commit: a command sent again after a lost reply is recognised by it. */
  token: string;
  expected: string;
  create: boolean;
  rewrite: boolean;
  baseCount: string;
  baseDigest: string;
  baseParent: string;
  count: string;
  digest: string;
  head: string;
  name: string;
  state: string;
  createdAt: string;
  updatedAt: string;
  parent: string;
  bytes: string;
  member: string;
  expiryEntry: string;
  /** Index kept by the script (standalone server). */
  indexed: boolean;
  ttl: string;
  expiresAt: string;
  now: string;
  /** A truncate: the list index of the segment it cuts ('-1': none is kept), its new text and message count. */
  cut: string;
  cutText: string;
  cutCount: string;
}

/** What a truncate adds to a save's arguments. */
export type TruncateArgs = Pick<SaveArgs, 'cut' | 'cutText' | 'cutCount'>;

export function saveArgs(
  w: SegmentWrite<RedisState>,
  index: { member: string; expiryEntry: string; indexed: boolean },
  ttlMs: number | null,
  now: number,
  truncate: TruncateArgs = { cut: '', cutText: '', cutCount: '' },
): string {
  const args: SaveArgs = {
    ...truncate,
    token: writeToken(),
    expected: w.expectedRevision === undefined ? '' : String(w.expectedRevision),
    create: w.base === null,
    rewrite: w.rewrite,
    baseCount: String(w.base?.count ?? ''),
    baseDigest: w.base?.digest ?? '',
    baseParent: w.base?.parent ?? '',
    count: String(w.count),
    digest: w.digest,
    head: w.headJson,
    name: JSON.stringify(w.summary.name),
    state: w.summary.state,
    createdAt: String(w.summary.created_at),
    updatedAt: String(w.summary.updated_at),
    parent: JSON.stringify(w.summary.parent_id),
    bytes: String(w.documentBytes),
    ...index,
    ttl: ttlMs === null ? '' : String(ttlMs),
    expiresAt: ttlMs === null ? '' : String(now + ttlMs),
    now: String(now),
  };
  return JSON.stringify(args);
}

/**
 * append. KEYS: head, messages, staged payload, then on a standalone server the index and the expiry set.
 * ARGV[1]: AppendArgs. Replies {'ok', rev, updated_at, parent, overdue}, {'conflict', rev}, {'stale'} (the session
 * is gone, or not the one planned over, or would pass the size limit) or {'lost'}.
 */
export const APPEND = `${COMMON}
if not rev then return refuse({'stale'}) end
local keys = {}
if a.key ~= '' then
  -- Keyed appends this session remembers (see core's idempotency.ts): a retry answers its revision.
  local raw = redis.call('HGET', KEYS[1], 'ak')
  if raw then
    local ok, v = pcall(cjson.decode, raw)
    if ok and type(v) == 'table' then keys = v end
  end
  for _, r in ipairs(keys) do
    if r.k == a.key then
      if r.m == a.keyMessages then return refuse({'replayed', r.r}) end
      return refuse({'reused'})
    end
  end
end
if replayed then
  return refuse({'ok', cur, redis.call('HGET', KEYS[1], 'updated_at'), redis.call('HGET', KEYS[1], 'parent'), 0})
end
if a.expected ~= '' and tonumber(a.expected) ~= cur then return refuse({'conflict', cur}) end
if redis.call('HGET', KEYS[1], 'count') ~= a.baseCount or redis.call('HGET', KEYS[1], 'digest') ~= a.baseDigest then
  return refuse({'stale'})
end
local bytes = (tonumber(redis.call('HGET', KEYS[1], 'bytes')) or 0) + tonumber(a.addedBytes)
if bytes > tonumber(a.maxBytes) then return refuse({'stale'}) end
if kind == 'staged' and redis.call('EXISTS', KEYS[3]) == 0 then return {'lost'} end
local ttl = redis.call('PTTL', KEYS[1])
place()
redis.call('HSET', KEYS[1], 'rev', cur + 1, 'count', a.count, 'digest', a.digest, 'bytes', bytes, 'wt', a.token)
local segs = nextSegs(redis.call('HGET', KEYS[1], 'segs'), false, kind, a.count, a.baseCount)
if segs then redis.call('HSET', KEYS[1], 'segs', segs) end
if a.key ~= '' then
  table.insert(keys, {k = a.key, m = a.keyMessages, r = cur + 1})
  while #keys > tonumber(a.keyWindow) do table.remove(keys, 1) end
  redis.call('HSET', KEYS[1], 'ak', cjson.encode(keys))
end
if a.ttl ~= '' then
  redis.call('PEXPIRE', KEYS[1], a.ttl)
  redis.call('PEXPIRE', KEYS[2], a.ttl)
elseif ttl > 0 then
  redis.call('PEXPIRE', KEYS[2], ttl)
else
  redis.call('PERSIST', KEYS[2])
end
local overdue = 0
if a.expiresAt ~= '' then
  local xe = redis.call('HGET', KEYS[1], 'xe')
  if xe then redis.call('ZADD', KEYS[5], a.expiresAt, xe) end
  overdue = #redis.call('ZRANGEBYSCORE', KEYS[5], '-inf', a.now, 'LIMIT', 0, 1)
end
return {'ok', cur + 1, redis.call('HGET', KEYS[1], 'updated_at'), redis.call('HGET', KEYS[1], 'parent'), overdue}
`;

export function appendArgs(
  a: SegmentAppend<RedisState>,
  ttlMs: number | null,
  slideIndex: boolean,
  now: number,
): string {
  return JSON.stringify({
    token: writeToken(),
    expected: a.expectedRevision === undefined ? '' : String(a.expectedRevision),
    baseCount: String(a.base.count),
    baseDigest: a.base.digest,
    count: String(a.count),
    digest: a.digest,
    addedBytes: String(a.addedBytes),
    maxBytes: String(a.maxDocumentBytes),
    // '' keeps the session's expiry as it is.
    ttl: ttlMs === null ? '' : String(ttlMs),
    // The expiry of the session's index entry slides with it (standalone server; a Cluster's client does it).
    expiresAt: slideIndex && ttlMs !== null ? String(now + ttlMs) : '',
    now: String(now),
    key: a.key?.key ?? '',
    keyMessages: a.key?.messages ?? '',
    keyWindow: String(APPEND_KEY_WINDOW),
  });
}

/** remove. KEYS: head, messages. Replies false, or {updated_at, parent} of the removed session. */
export const REMOVE = `
local h = redis.call('HMGET', KEYS[1], 'rev', 'updated_at', 'parent')
redis.call('DEL', KEYS[2])
if not h[1] then return false end
redis.call('DEL', KEYS[1])
return {h[2], h[3]}
`;

/**
 * slice. KEYS: head, messages. ARGV: from, to ('' for the end), last ('' for from/to). Replies false (no session),
 * {rev, count, digest, parent, head, false} when the session has no 'segs' (read it all), or {rev, count, digest,
 * parent, head, 'segs', first element index, then start, count, text of each element holding the slice}.
 */
export const SLICE = `
local h = redis.call('HMGET', KEYS[1], 'rev', 'count', 'digest', 'parent', 'head', 'segs')
if not h[1] then return false end
local out = {h[1], h[2], h[3], h[4], h[5], false}
if not h[6] then return out end
out[6] = 'segs'
local count = tonumber(h[2])
local from, to
if ARGV[3] ~= '' then
  from = math.max(count - tonumber(ARGV[3]), 0)
  to = count
else
  from = math.min(tonumber(ARGV[1]), count)
  to = count
  if ARGV[2] ~= '' then to = math.min(tonumber(ARGV[2]), count) end
end
if from >= to then return out end
local start, i, first, last = 0, 0, -1, -1
local starts, counts = {}, {}
for n in string.gmatch(h[6], '%d+') do
  local c = tonumber(n)
  if start + c > from and start < to then
    if first < 0 then first = i end
    last = i
    table.insert(starts, start)
    table.insert(counts, c)
  end
  start = start + c
  i = i + 1
  if start >= to then break end
end
if first < 0 then return out end
local texts = redis.call('LRANGE', KEYS[2], first, last)
table.insert(out, first)
for j = 1, #texts do
  table.insert(out, starts[j])
  table.insert(out, counts[j])
  table.insert(out, texts[j])
end
return out
`;
