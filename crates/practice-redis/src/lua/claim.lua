-- Claims the renewal of a token for ARGV[2] milliseconds, as ARGV[1].
-- KEYS[1]: the claim. Returns -1 when granted, else the other claim's remaining milliseconds.
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return -1 end
local left = redis.call('PTTL', KEYS[1])
if left < 0 then return 0 end
return left
