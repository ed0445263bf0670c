/**
 * The Lua scripts of the Redis backend. A script runs atomically, so each one checks
 * everything before it writes anything: a failed check returns an error tuple and
 * leaves the data untouched (Redis does not roll a script back). Numbers that can
 * exceed 14 digits (times) travel as strings and are only compared, never printed
 * by Lua. Every key is passed in KEYS (one hash slot thanks to the prefix's tag).
 * `now` is the caller's injected clock, so expiry follows it; PEXPIRE is the physical
 * backstop that frees memory.
 */

/**
 * Transaction. KEYS: per op (doc, index, expiry), then one stream per notification.
 * ARGV: now, opCount, notifyCount, streamMaxLen; per op (kind, id, expectedRevision|'',
 * expiresAt|''|'keep', ttlMs|'', value|''); per notification (pubsubChannel, message).
 * Returns {'ok', 4 fields per op} or {'not_found', opIndex} or {'conflict', opIndex, reason, revision}.
 */
export const WRITE = `
local now = tonumber(ARGV[1])
local n, m, maxlen = tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local found = {}
for i = 1, n do
  local a = 4 + (i - 1) * 6
  local kind, expected = ARGV[a + 1], ARGV[a + 3]
  local f = redis.call('HMGET', KEYS[(i - 1) * 3 + 1], 'r', 'c', 'e')
  local rev = tonumber(f[1])
  if rev ~= nil and f[3] and tonumber(f[3]) <= now then rev = nil end
  if kind == 'create' and rev ~= nil then return {'conflict', i - 1, 'exists', rev} end
  if kind == 'update' or kind == 'check' or (kind == 'delete' and expected ~= '') then
    if rev == nil then return {'not_found', i - 1} end
    if expected ~= '' and tonumber(expected) ~= rev then return {'conflict', i - 1, 'revision', rev} end
  end
  found[i] = {rev = rev, created = f[2], expires = f[3]}
end
local out = {'ok'}
for i = 1, n do
  local a = 4 + (i - 1) * 6
  local kind, id, expires, ttl, value = ARGV[a + 1], ARGV[a + 2], ARGV[a + 4], ARGV[a + 5], ARGV[a + 6]
  local doc, index, expiry = KEYS[(i - 1) * 3 + 1], KEYS[(i - 1) * 3 + 2], KEYS[(i - 1) * 3 + 3]
  local s = found[i]
  if kind == 'check' then
    table.insert(out, tostring(s.rev)); table.insert(out, ''); table.insert(out, ''); table.insert(out, '')
  elseif kind == 'delete' then
    redis.call('DEL', doc)
    redis.call('ZREM', index, id)
    redis.call('ZREM', expiry, id)
    table.insert(out, s.rev and '1' or '0'); table.insert(out, ''); table.insert(out, ''); table.insert(out, '')
  else
    local rev, created = 1, ARGV[1]
    if s.rev ~= nil then rev, created = s.rev + 1, s.created end
    if expires == 'keep' then expires = s.expires or '' end
    redis.call('HSET', doc, 'v', value, 'r', rev, 'c', created, 'u', ARGV[1])
    redis.call('ZADD', index, 0, id)
    if expires == '' then
      redis.call('HDEL', doc, 'e')
      redis.call('PERSIST', doc)
      redis.call('ZREM', expiry, id)
    else
      redis.call('HSET', doc, 'e', expires)
      redis.call('ZADD', expiry, expires, id)
      if ttl ~= '' then redis.call('PEXPIRE', doc, ttl) end
    end
    table.insert(out, tostring(rev)); table.insert(out, created); table.insert(out, ARGV[1]); table.insert(out, expires)
  end
end
for j = 1, m do
  local a = 4 + n * 6 + (j - 1) * 2
  local sid = redis.call('XADD', KEYS[n * 3 + j], 'MAXLEN', '~', maxlen, '*', 'm', ARGV[a + 2])
  redis.call('PUBLISH', ARGV[a + 1], sid)
end
return out
`;

/** Documents by key. KEYS: doc keys. Returns 5 fields (v, r, c, u, e) per key, false when absent. */
export const READ = `
local out = {}
for i = 1, #KEYS do
  local f = redis.call('HMGET', KEYS[i], 'v', 'r', 'c', 'u', 'e')
  for j = 1, 5 do table.insert(out, f[j]) end
end
return out
`;

/**
 * Drops up to ARGV[2] expired entries from a collection's indexes and answers the live count.
 * KEYS: index, expiry. ARGV: now, max.
 */
export const PURGE = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
if #ids > 0 then
  redis.call('ZREM', KEYS[1], unpack(ids))
  redis.call('ZREM', KEYS[2], unpack(ids))
end
return redis.call('ZCARD', KEYS[1]) - redis.call('ZCOUNT', KEYS[2], '-inf', ARGV[1])
`;

/**
 * Fixed-window counter. KEYS: counter. ARGV: now, ttlMs, now + ttlMs. Returns {count, resetAt}.
 */
export const INCREMENT = `
local f = redis.call('HMGET', KEYS[1], 'c', 'r')
if f[1] and f[2] and tonumber(f[2]) > tonumber(ARGV[1]) then
  return {redis.call('HINCRBY', KEYS[1], 'c', 1), f[2]}
end
redis.call('HSET', KEYS[1], 'c', 1, 'r', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {1, ARGV[3]}
`;

/** Appends an audit record. KEYS: audit, audit:seq. ARGV: JSON body. Returns the id. */
export const AUDIT_APPEND = `
local seq = redis.call('INCR', KEYS[2])
local id = string.format('%016d', seq)
redis.call('ZADD', KEYS[1], seq, id .. ' ' .. ARGV[1])
return id
`;

/**
 * Removes a prefix of the audit log: all but the ARGV[2] newest ('' = no limit), then the
 * oldest records up to the first with time >= ARGV[1] ('' = no age limit). The body
 * JSON starts with {"time":<ms>, which is how the time is read. KEYS: audit.
 */
export const AUDIT_PRUNE = `
local removed = 0
if ARGV[2] ~= '' then
  local excess = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[2])
  if excess > 0 then removed = removed + redis.call('ZREMRANGEBYRANK', KEYS[1], 0, excess - 1) end
end
if ARGV[1] ~= '' then
  local cutoff = tonumber(ARGV[1])
  while true do
    local batch = redis.call('ZRANGE', KEYS[1], 0, 499)
    local old = 0
    for _, member in ipairs(batch) do
      local t = tonumber(string.match(member, '^%d+ {"time":(%-?%d+)'))
      if t == nil or t >= cutoff then break end
      old = old + 1
    end
    if old > 0 then removed = removed + redis.call('ZREMRANGEBYRANK', KEYS[1], 0, old - 1) end
    if old < #batch or #batch == 0 then break end
  end
end
return removed
`;
