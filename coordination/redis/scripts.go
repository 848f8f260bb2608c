package redis

import goredis "github.com/redis/go-redis/v9"

// The scripts keep one account's state in keys that share the account's
// hash tag ({account}), so each runs on one Redis Cluster slot. Time is the
// server's (TIME), in milliseconds, so client clocks never matter.
//
// Keys, in this order (keyNames):
//
//	leases  ZSET lease id -> deadline: the slots held across instances
//	queue   ZSET waiter id -> arrival number: who waits, first come first served
//	qdl     ZSET waiter id -> deadline: a waiter that stops asking leaves the queue
//	seq     the arrival counter
//	pause   set while every instance must hold back (a 429), expiring with the pause
//	limit   the adaptive limit (a float), at most the max each caller passes
//	rel     how many leases were given back (the round count of a 429 burst)
//	stale   a 429 seen while rel < stale belongs to the burst that last cut the limit
//	backoff the last pause without Retry-After, in ms; gone after a success
//	rate    the GCRA theoretical arrival time of the rate limit, in ms
//	outside HASH instance -> slots it holds outside Redis, after an outage
//	epoch   this Redis's life: a restarted Redis (no persistence) has a new one
//
// The ARGV of acquire and release (args builds them): id, max, lease ms,
// successes, queue ms, slots held outside Redis by the caller's instance,
// '1' when it is just back from a fallback, the recovery window ms,
// instances, the fallback limit, the grant channel prefix, a new epoch
// (set if none), the epoch the caller last saw, the Redis leases it holds.

// prelude reads the clock and the adaptive limit, and applies the
// successes reported since the caller's last call (additive increase:
// +1/limit each; a success also ends the backoff's doubling).
const prelude = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local max = tonumber(ARGV[2])
local lim = tonumber(redis.call('GET', KEYS[6]) or max)
if lim > max then lim = max end
local s = tonumber(ARGV[4])
if s > 0 then
  for i = 1, s do lim = math.min(max, lim + 1 / lim) end
  redis.call('SET', KEYS[6], tostring(lim), 'PX', 600000)
  redis.call('DEL', KEYS[9])
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local gone = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)
if #gone > 0 then
  redis.call('ZREM', KEYS[2], unpack(gone))
  redis.call('ZREM', KEYS[3], unpack(gone))
end
local id = ARGV[1]
local inst = string.match(id, '^(.*):[^:]*$')
-- After an outage, slots may be held outside Redis: fallback slots, and
-- leases a restarted Redis forgot. While any instance reports such
-- (ARGV[6] > 0, or ARGV[7] = '1' just back), the "outside" hash counts
-- each instance's, and an instance not yet heard from counts as its full
-- fallback limit (ARGV[10], of ARGV[9] instances), until all report none.
-- A Redis that restarted (its epoch changed since the caller last saw
-- it) forgot the caller's leases (ARGV[14] of them): they count too.
local ep = redis.call('GET', KEYS[12])
if not ep then
  ep = ARGV[12]
  redis.call('SET', KEYS[12], ep)
end
local mine = tonumber(ARGV[6])
local back = ARGV[7] == '1'
if ARGV[13] ~= '' and ARGV[13] ~= ep then
  mine = mine + tonumber(ARGV[14])
  back = true
end
local outside = 0
if mine > 0 or back or redis.call('EXISTS', KEYS[11]) == 1 then
  redis.call('HSET', KEYS[11], inst, mine)
  if mine > 0 or back then redis.call('PEXPIRE', KEYS[11], ARGV[8]) end
  local vals = redis.call('HVALS', KEYS[11])
  local busy = false
  for _, v in ipairs(vals) do
    outside = outside + tonumber(v)
    if tonumber(v) > 0 then busy = true end
  end
  local unheard = tonumber(ARGV[9]) - #vals
  if unheard > 0 then
    outside = outside + unheard * tonumber(ARGV[10])
  elseif not busy then
    redis.call('DEL', KEYS[11])
  end
end
local function free()
  return math.floor(lim) - redis.call('ZCARD', KEYS[1]) - outside
end
`

// acquireScript takes a slot for waiter ARGV[1] (ARGV: see above). It
// answers {1, 0, limit, epoch} when the slot is the waiter's (now, or
// handed to it by a release), {0, ms, limit, epoch} while a pause stands
// (ms left), {-1, 0, limit, epoch} when the waiter is queued: a release
// will hand it the slot and publish its id.
var acquireScript = goredis.NewScript(prelude + `
if redis.call('ZSCORE', KEYS[1], id) then return {1, 0, lim, ep} end
local p = redis.call('PTTL', KEYS[5])
if p > 0 then
  if redis.call('ZSCORE', KEYS[2], id) then redis.call('ZADD', KEYS[3], now + tonumber(ARGV[5]), id) end
  return {0, p, lim, ep}
end
local free = free()
local rank = redis.call('ZRANK', KEYS[2], id)
local ahead = rank or redis.call('ZCARD', KEYS[2])
if ahead < free then
  redis.call('ZREM', KEYS[2], id)
  redis.call('ZREM', KEYS[3], id)
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), id)
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return {1, 0, lim, ep}
end
if not rank then redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[4]), id) end
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[5]), id)
for i = 2, 4 do redis.call('PEXPIRE', KEYS[i], 2 * tonumber(ARGV[5])) end
return {-1, 0, lim, ep}
`)

// releaseScript gives back waiter ARGV[1]'s slot, or takes it out of the
// queue (ARGV: see above), then hands the free slots to the first waiters
// still asking, publishing each one's id on its instance's channel
// (ARGV[11] .. the id up to its last colon). It answers {limit, epoch}.
var releaseScript = goredis.NewScript(prelude + `
if redis.call('ZREM', KEYS[1], id) == 1 then redis.call('INCR', KEYS[7]) end
redis.call('ZREM', KEYS[2], id)
redis.call('ZREM', KEYS[3], id)
if redis.call('PTTL', KEYS[5]) > 0 then return {math.floor(lim), ep} end
local n = free()
while n > 0 do
  local head = redis.call('ZRANGE', KEYS[2], 0, 0)
  if #head == 0 then break end
  local w = head[1]
  local dl = redis.call('ZSCORE', KEYS[3], w)
  redis.call('ZREM', KEYS[2], w)
  redis.call('ZREM', KEYS[3], w)
  if dl and tonumber(dl) > now then
    redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), w)
    redis.call('PEXPIRE', KEYS[1], ARGV[3])
    redis.call('PUBLISH', ARGV[11] .. string.match(w, '^(.*):[^:]*$'), w)
    n = n - 1
  end
end
return {math.floor(lim), ep}
`)

// rateLimitedScript reports a 429 (ARGV: Retry-After ms or 0, max,
// decrease factor, min pause ms, max backoff ms, pause channel, account);
// a new pause is published on the pause channel as "account\nms". The first answer of a
// round (rel >= stale) cuts the limit and marks the leases in flight as
// the rest of the burst; a pause of Retry-After, or of the backoff
// (doubling per round), holds every instance back. It answers {limit,
// pause ms}.
var rateLimitedScript = goredis.NewScript(`
local max = tonumber(ARGV[2])
local lim = tonumber(redis.call('GET', KEYS[6]) or max)
if lim > max then lim = max end
local rel = tonumber(redis.call('GET', KEYS[7]) or 0)
local fresh = rel >= tonumber(redis.call('GET', KEYS[8]) or 0)
if fresh then
  lim = math.max(1, lim * tonumber(ARGV[3]))
  redis.call('SET', KEYS[6], tostring(lim), 'PX', 600000)
  redis.call('SET', KEYS[8], rel + redis.call('ZCARD', KEYS[1]) + 1, 'PX', 600000)
end
local d = tonumber(ARGV[1])
local left = redis.call('PTTL', KEYS[5])
if d <= 0 then
  if not fresh and left > 0 then return {math.floor(lim), left} end
  local b = tonumber(redis.call('GET', KEYS[9]) or 0)
  if fresh then
    b = math.min(math.max(2 * b, tonumber(ARGV[4])), tonumber(ARGV[5]))
    redis.call('SET', KEYS[9], b, 'PX', 600000)
  end
  d = math.max(b, tonumber(ARGV[4]))
end
if d > left then
  redis.call('SET', KEYS[5], 1, 'PX', d)
  redis.call('PUBLISH', ARGV[6], ARGV[7] .. '\n' .. d)
end
return {math.floor(lim), d}
`)

// rateScript is GCRA (as go-redis/redis_rate, on the server's clock): one
// request of ARGV[1] per ARGV[2] ms, with bursts of ARGV[3]. It answers 0
// when the request may go, else the ms to wait.
var rateScript = goredis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local emission = tonumber(ARGV[2]) / tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[10]) or now)
if tat < now then tat = now end
local nxt = tat + emission
local allow = nxt - tonumber(ARGV[3]) * emission
if now < allow then return math.ceil(allow - now) end
redis.call('SET', KEYS[10], tostring(nxt), 'PX', math.ceil(nxt - now) + 1)
return 0
`)
