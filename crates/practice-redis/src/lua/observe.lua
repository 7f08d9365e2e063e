-- Records that the vendor's own budget is spent until now + ARGV[1] microseconds.
-- KEYS[1]: the blocked-until instant (microseconds, Redis clock); it only moves later.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local reset_in = tonumber(ARGV[1])
local until_us = now + reset_in
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current > until_us then until_us = current end
redis.call('SET', KEYS[1], string.format('%d', until_us), 'PX', math.ceil((until_us - now) / 1000) + 1000)
return 1
