-- Takes a slot in a sliding-window budget, on the Redis server's clock.
-- KEYS[1]: sorted set of granted send instants (microseconds), possibly in the future.
-- KEYS[2]: instant (microseconds) until which the vendor said its own budget is spent.
-- ARGV[1]: requests allowed per window (0: no client-side limit, only KEYS[2] applies).
-- ARGV[2]: the window plus its safety margin, in microseconds.
-- ARGV[3]: the longest the caller will wait, in microseconds.
-- ARGV[4]: a unique member name for this reservation.
-- Returns {1, wait_us} when granted, {0, retry_after_us} when not.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local limit = tonumber(ARGV[1])
local span = tonumber(ARGV[2])
local max_wait = tonumber(ARGV[3])

local at = now
local blocked = tonumber(redis.call('GET', KEYS[2]) or '0')
if blocked > at then at = blocked end

if limit > 0 then
  -- Sends that left the window (t + span <= now) no longer count.
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - span)
  local n = redis.call('ZCARD', KEYS[1])
  if n > 0 then
    -- FIFO: never before the latest reservation.
    local last = tonumber(redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')[2])
    if last > at then at = last end
    if n >= limit then
      -- The window ending at `at` must hold at most `limit` sends, this one included.
      local oldest = tonumber(redis.call('ZRANGE', KEYS[1], n - limit, n - limit, 'WITHSCORES')[2])
      if oldest + span > at then at = oldest + span end
    end
  end
end

local wait = at - now
if wait > max_wait then return {0, wait} end
if limit > 0 then
  redis.call('ZADD', KEYS[1], at, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], math.ceil((at - now + span) / 1000) + 1000)
end
return {1, wait}
