-- Reads a budget as it stands, on Redis's clock; changes nothing but dropping stale slots.
-- KEYS[1], KEYS[2], KEYS[3]: as in reserve.lua. ARGV[1]: limit. ARGV[2]: span (microseconds).
-- Returns {counted, in_flight, next_free_us}.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local limit = tonumber(ARGV[1])
local span = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - span)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - span)
local n = redis.call('ZCARD', KEYS[1])
local at = now
if n >= limit then
  local kth = tonumber(redis.call('ZRANGE', KEYS[1], n - limit, n - limit, 'WITHSCORES')[2])
  if kth + span > at then at = kth + span end
end
local blocked = tonumber(redis.call('GET', KEYS[3]) or '0')
if blocked > at then at = blocked end
return {n, redis.call('ZCARD', KEYS[2]), at - now}
