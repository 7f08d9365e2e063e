-- Claims the webhook delivery KEYS[1] for ARGV[2] milliseconds, as ARGV[1], unless a live claim
-- or a handled mark is there. Returns 0 when claimed now, 1 when another claim holds it,
-- 2 when it was handled.
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 0 end
if redis.call('GET', KEYS[1]) == 'handled' then return 2 end
return 1
