-- Ends a slot's possible-arrival interval now: its answer came back (or it never left).
-- It keeps counting for one more span. A slot already lapsed is left alone.
-- KEYS[1]: sorted set, every counted slot -> its end (microseconds).
-- KEYS[2]: sorted set, the slots still in flight -> their lapse bound.
-- ARGV[1]: the slot's member name.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local bound = tonumber(redis.call('ZSCORE', KEYS[2], ARGV[1]) or '-1')
if bound < 0 then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[1], 'XX', now, ARGV[1])
-- The keys were set to live one span past the lapse bound; an answer after that bound
-- (rare: the grant came just before the hand-off) moves the end, and the expiry, later.
if now > bound then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl + math.ceil((now - bound) / 1000)) end
end
return 1
