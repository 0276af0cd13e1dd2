/**
 * Lua scripts: each touches only the keys of one session (one hash tag, so one Cluster slot) and makes the revision
 * check and the write one atomic step. On a standalone server the save script changes the listing index in the same
 * step; on a Cluster the index lives in another slot and the client changes it right after (see session-index.ts).
 *
 * Large message texts never pass through Lua: copying a big argument into the Lua VM and out again costs about as
 * much as the whole round trip. The client stages them in a private list under the session's hash tag (RPUSH in the
 * same pipeline, just before the script), and the script moves that list element in place with RENAME or LMOVE,
 * which copy nothing. Small texts (one agent turn) travel inline as the last argument.
 */

/**
 * The payload argument: 'none', 'inline' (the text is the next argument) or 'staged' (the text is the only element
 * of KEYS[3]). `drop` removes a staged payload the script does not use; `place` appends the payload to KEYS[2], which
 * must not carry a TTL of the staged key (the caller sets the session's TTL afterwards).
 */
const PAYLOAD = `
local function drop(kind) if kind == 'staged' then redis.call('DEL', KEYS[3]) end end
local function place(kind, text)
  if kind == 'inline' then
    redis.call('RPUSH', KEYS[2], text)
  elseif kind == 'staged' then
    if redis.call('EXISTS', KEYS[2]) == 1 then
      redis.call('LMOVE', KEYS[3], KEYS[2], 'RIGHT', 'RIGHT')
    else
      redis.call('RENAME', KEYS[3], KEYS[2])
    end
  end
end
`;

/**
 * save. KEYS: head, messages, staged payload, then on a standalone server (the index is written in the same step)
 * the index, the expiry set, the new parent's index and the stored parent's index (as the caller believes it is;
 * KEYS[4] stands in for a parent index that is not needed). ARGV: expected revision ('' = none), mode ('append' |
 * 'rewrite'), base count, base digest, new count, new digest, head JSON, name (JSON), state, created_at, updated_at,
 * parent (JSON), ttl ms ('0' = none), document bytes, index member, expiry entry, then index mode ('1' = write the
 * index here), whether there is a new parent ('1' | ''), the stored parent (JSON) the caller assumed, the expiry score
 * ('' = none), now (ms), payload kind, [inline text].
 * Replies {'ok', rev, previous updated_at | false, previous parent | false, overdue (1 when an expired index entry
 * waits to be swept)}, {'conflict', current rev (0 = missing)}, {'stale'} when the stored messages or parent are not
 * what the caller assumed, or {'lost'} when a staged payload is missing (its RPUSH failed: nothing was written).
 */
export const SAVE = `${PAYLOAD}
local kind = ARGV[22]
local indexed = ARGV[17] == '1'
local rev = redis.call('HGET', KEYS[1], 'rev')
local cur = 0
if rev then cur = tonumber(rev) end
if ARGV[1] ~= '' and tonumber(ARGV[1]) ~= cur then drop(kind) return {'conflict', cur} end
if kind == 'staged' and redis.call('EXISTS', KEYS[3]) == 0 then return {'lost'} end
local prev = {false, false, false, false}
if rev then prev = redis.call('HMGET', KEYS[1], 'updated_at', 'parent', 'ix', 'xe') end
if indexed and rev and prev[2] ~= ARGV[19] then drop(kind) return {'stale'} end
if ARGV[2] == 'append' and rev then
  local count = redis.call('HGET', KEYS[1], 'count')
  local digest = redis.call('HGET', KEYS[1], 'digest')
  if count ~= ARGV[3] or digest ~= ARGV[4] then drop(kind) return {'stale'} end
elseif ARGV[2] == 'append' and ARGV[3] ~= '0' then
  drop(kind)
  return {'stale'}
else
  redis.call('DEL', KEYS[2])
end
place(kind, ARGV[23])
redis.call('HSET', KEYS[1], 'rev', cur + 1, 'count', ARGV[5], 'digest', ARGV[6], 'head', ARGV[7], 'name', ARGV[8],
  'state', ARGV[9], 'created_at', ARGV[10], 'updated_at', ARGV[11], 'parent', ARGV[12], 'bytes', ARGV[14],
  'ix', ARGV[15], 'xe', ARGV[16])
if ARGV[13] ~= '0' then
  redis.call('PEXPIRE', KEYS[1], ARGV[13])
  redis.call('PEXPIRE', KEYS[2], ARGV[13])
else
  redis.call('PERSIST', KEYS[1])
  redis.call('PERSIST', KEYS[2])
end
local overdue = 0
if indexed then
  local oldIx = prev[3]
  if oldIx and oldIx ~= ARGV[15] then redis.call('ZREM', KEYS[4], oldIx) end
  if oldIx and prev[2] ~= 'null' and (prev[2] ~= ARGV[12] or oldIx ~= ARGV[15]) then
    redis.call('ZREM', KEYS[7], oldIx)
  end
  redis.call('ZADD', KEYS[4], 0, ARGV[15])
  if ARGV[18] == '1' then redis.call('ZADD', KEYS[6], 0, ARGV[15]) end
  if prev[4] then redis.call('ZREM', KEYS[5], prev[4]) end
  if ARGV[20] ~= '' then redis.call('ZADD', KEYS[5], ARGV[20], ARGV[16]) end
  overdue = #redis.call('ZRANGEBYSCORE', KEYS[5], '-inf', ARGV[21], 'LIMIT', 0, 1)
end
return {'ok', cur + 1, prev[1], prev[2], overdue}
`;

/**
 * append. KEYS: head, messages, staged payload, then on a standalone server the index and the expiry set. ARGV:
 * expected revision ('' = none), base count, base digest, new digest, ttl ms ('0' = keep the session's expiry as it
 * is), new count, bytes the document grows by, the largest document allowed, the new expiry score of the session's
 * index entry ('' = none, or the index is written by the caller), payload kind, [inline text].
 * Replies {'ok', rev, updated_at, parent, overdue}, {'missing'}, {'conflict', rev}, {'stale'}, {'toolarge', bytes}
 * or {'lost'}.
 */
export const APPEND = `${PAYLOAD}
local kind = ARGV[10]
local rev = redis.call('HGET', KEYS[1], 'rev')
if not rev then drop(kind) return {'missing'} end
local cur = tonumber(rev)
if ARGV[1] ~= '' and tonumber(ARGV[1]) ~= cur then drop(kind) return {'conflict', cur} end
if redis.call('HGET', KEYS[1], 'count') ~= ARGV[2] or redis.call('HGET', KEYS[1], 'digest') ~= ARGV[3] then
  drop(kind)
  return {'stale'}
end
local bytes = (tonumber(redis.call('HGET', KEYS[1], 'bytes')) or 0) + tonumber(ARGV[7])
if bytes > tonumber(ARGV[8]) then drop(kind) return {'toolarge', bytes} end
if kind == 'staged' and redis.call('EXISTS', KEYS[3]) == 0 then return {'lost'} end
local ttl = redis.call('PTTL', KEYS[1])
place(kind, ARGV[11])
redis.call('HSET', KEYS[1], 'rev', cur + 1, 'count', ARGV[6], 'digest', ARGV[4], 'bytes', bytes)
if ARGV[5] ~= '0' then
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
  redis.call('PEXPIRE', KEYS[2], ARGV[5])
elseif ttl > 0 then
  redis.call('PEXPIRE', KEYS[2], ttl)
else
  redis.call('PERSIST', KEYS[2])
end
local overdue = 0
if ARGV[9] ~= '' then
  local xe = redis.call('HGET', KEYS[1], 'xe')
  if xe then redis.call('ZADD', KEYS[5], ARGV[9], xe) end
  local now = tonumber(ARGV[9]) - tonumber(ARGV[5])
  overdue = #redis.call('ZRANGEBYSCORE', KEYS[5], '-inf', now, 'LIMIT', 0, 1)
end
return {'ok', cur + 1, redis.call('HGET', KEYS[1], 'updated_at'), redis.call('HGET', KEYS[1], 'parent'), overdue}
`;

/** remove. KEYS: head, messages. Replies false, or {updated_at, parent} of the removed session. */
export const REMOVE = `
local h = redis.call('HMGET', KEYS[1], 'rev', 'updated_at', 'parent')
redis.call('DEL', KEYS[2])
if not h[1] then return false end
redis.call('DEL', KEYS[1])
return {h[2], h[3]}
`;
