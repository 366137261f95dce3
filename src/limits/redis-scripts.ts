/**
 * The Lua scripts of the Redis store. Redis runs a script atomically (no other command runs in
 * between), so a check of every limit of a request and the charge of all of them are one step
 * across all replicas — the fix FINDINGS.md records for limits that drift between replicas.
 *
 * Time comes from the Redis server (`TIME`), so replicas with skewed clocks share one clock. GCRA
 * times are integer microseconds (exact in a double up to 2^53 µs, year 2255). Redis 5+ replicates
 * scripts by their effects, which makes `TIME` safe to use in a script that writes.
 */

/**
 * KEYS[i]: the storage key of rule i.
 * ARGV[1]: request id; ARGV[2]: rule count n; then four values per rule: kind, a, b, cost.
 *   "r" rate (GCRA, ITU-T I.371): a = µs per unit, b = bucket size in units
 *   "w" budget window:            a = budget, b = the window's end in Unix ms (the key expires then)
 *   "c" concurrency:              a = most in flight, b = lease in ms
 * Returns { admitted (1/0), refusing rule index (0: none), wait in ms (-1: never),
 *           then per rule: remaining units, ms until full }.
 */
export const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local n = tonumber(ARGV[2])
local never = math.huge
local worst, worstAt = 0, 0
local after = {}
local out = {1, 0, 0}
for i = 1, n do
  local j = 3 + (i - 1) * 4
  local kind, a, b, cost = ARGV[j], tonumber(ARGV[j + 1]), tonumber(ARGV[j + 2]), tonumber(ARGV[j + 3])
  local key = KEYS[i]
  local wait = 0
  local remaining, reset = 0, 0
  if kind == 'r' then
    local tat = tonumber(redis.call('GET', key) or '0')
    if tat < now then tat = now end
    after[i] = tat + cost * a
    if cost > b then wait = never else wait = after[i] - now - b * a end
    if wait > 0 then
      remaining = math.floor((b * a - (tat - now)) / a)
      reset = tat - now
    else
      remaining = math.floor((b * a - (after[i] - now)) / a)
      reset = after[i] - now
    end
  elseif kind == 'w' then
    local used = tonumber(redis.call('GET', key) or '0')
    if used + cost > a then
      if cost > a then wait = never else wait = math.max(b * 1000 - now, 1000) end
    end
    remaining = a - used
    reset = math.max(b * 1000 - now, 0)
  else
    -- Leases that expired belong to requests of a replica that died: they free themselves here.
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
    local inflight = redis.call('ZCARD', key)
    if inflight + 1 > a then wait = 1000000 end
    remaining = a - inflight
  end
  if wait > worst then worst, worstAt = wait, i end
  if remaining < 0 then remaining = 0 end
  out[2 + 2 * i] = remaining
  out[3 + 2 * i] = math.ceil(reset / 1000)
end
if worstAt > 0 then
  out[1] = 0
  out[2] = worstAt
  if worst == never then out[3] = -1 else out[3] = math.ceil(worst / 1000) end
  return out
end
for i = 1, n do
  local j = 3 + (i - 1) * 4
  local kind, a, b, cost = ARGV[j], tonumber(ARGV[j + 1]), tonumber(ARGV[j + 2]), tonumber(ARGV[j + 3])
  local key = KEYS[i]
  if kind == 'r' then
    redis.call('SET', key, string.format('%.0f', after[i]), 'PX', math.ceil((after[i] - now) / 1000) + 1)
  elseif kind == 'w' then
    if cost > 0 then redis.call('INCRBY', key, cost) end
    redis.call('PEXPIREAT', key, b + 3600000)
    out[2 + 2 * i] = out[2 + 2 * i] - cost
  else
    redis.call('ZADD', key, now + b * 1000, ARGV[1])
    redis.call('PEXPIRE', key, b + 1000)
    out[2 + 2 * i] = out[2 + 2 * i] - 1
  end
end
return out
`;

/**
 * Settles an admitted request. KEYS[i]: storage keys of its token and concurrency rules.
 * ARGV[1]: request id; ARGV[2]: token delta (actual − reserved, may be negative); ARGV[3]: n;
 * then two values per rule: kind ("r", "w", "c") and a (µs per token for "r", window end in
 * Unix ms for "w", unused for "c").
 */
export const SETTLE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local delta = tonumber(ARGV[2])
local n = tonumber(ARGV[3])
for i = 1, n do
  local kind, a = ARGV[2 + 2 * i], tonumber(ARGV[3 + 2 * i])
  local key = KEYS[i]
  if kind == 'c' then
    redis.call('ZREM', key, ARGV[1])
  elseif delta ~= 0 and kind == 'r' then
    local tat = tonumber(redis.call('GET', key) or '0')
    if delta > 0 and tat < now then tat = now end
    tat = tat + delta * a
    if tat <= now then
      redis.call('DEL', key)
    else
      redis.call('SET', key, string.format('%.0f', tat), 'PX', math.ceil((tat - now) / 1000) + 1)
    end
  elseif delta ~= 0 and kind == 'w' then
    -- A refund only applies while the window's counter exists; an extra charge always does.
    if delta > 0 or redis.call('EXISTS', key) == 1 then
      local v = redis.call('INCRBY', key, delta)
      if v < 0 then redis.call('SET', key, 0, 'KEEPTTL') end
      redis.call('PEXPIREAT', key, a + 3600000)
    end
  end
end
return 1
`;

/**
 * Renews the leases of requests still in flight on this replica. KEYS[i]: a concurrency set;
 * ARGV[1]: lease in ms; ARGV[1 + i]: the request id in KEYS[i]. `XX`: a lease released meanwhile
 * is not brought back.
 */
export const RENEW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local lease = tonumber(ARGV[1])
for i = 1, #KEYS do
  redis.call('ZADD', KEYS[i], 'XX', now + lease * 1000, ARGV[1 + i])
  redis.call('PEXPIRE', KEYS[i], lease + 1000)
end
return #KEYS
`;
