-- Takes a budget slot if a request may be handed to the transport now, on Redis's clock.
-- A slot spans the whole interval in which the vendor may receive its request: its score is
-- the end of that interval (the answer's instant once released; until then its lapse bound,
-- grant + per-try timeout + drift allowance). A request may go at `now` only if fewer than
-- `limit` slots end after `now - span`.
-- KEYS[1]: sorted set, every counted slot -> its end (microseconds).
-- KEYS[2]: sorted set, the slots still in flight -> their lapse bound.
-- KEYS[3]: instant (microseconds) until which the vendor said its own budget is spent.
-- ARGV[1]: requests allowed per window (0: no client-side limit, only KEYS[3] applies).
-- ARGV[2]: the vendor's window plus the drift allowance (span), in microseconds.
-- ARGV[3]: how long an unreleased slot counts at most (lapse), in microseconds.
-- ARGV[4]: a unique member name for this slot.
-- Returns {1, 0, 1} when granted; {0, wait_us, exact} when not, where wait_us is when a slot
-- frees at the latest and exact = 0 while an answer (a release) could bring that forward.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local limit = tonumber(ARGV[1])
local span = tonumber(ARGV[2])
local lapse = tonumber(ARGV[3])

local at = now
local exact = 1
local blocked = tonumber(redis.call('GET', KEYS[3]) or '0')
if blocked > at then at = blocked end

if limit > 0 then
  -- A slot that ended at or before now - span no longer counts.
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - span)
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - span)
  local n = redis.call('ZCARD', KEYS[1])
  if n >= limit then
    -- Fewer than `limit` count once the (n - limit + 1) earliest ends are a span old.
    local kth = tonumber(redis.call('ZRANGE', KEYS[1], n - limit, n - limit, 'WITHSCORES')[2])
    if kth + span > at then at = kth + span end
    if redis.call('ZCARD', KEYS[2]) > 0 then exact = 0 end
  end
end

if at > now then return {0, at - now, exact} end
if limit > 0 then
  local ends = now + lapse
  redis.call('ZADD', KEYS[1], ends, ARGV[4])
  redis.call('ZADD', KEYS[2], ends, ARGV[4])
  local ttl = math.ceil((lapse + span) / 1000) + 1000
  if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
  if redis.call('PTTL', KEYS[2]) < ttl then redis.call('PEXPIRE', KEYS[2], ttl) end
end
return {1, 0, 1}
