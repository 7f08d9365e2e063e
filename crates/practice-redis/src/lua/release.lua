-- Releases the claim KEYS[1] if it is still ARGV[1]'s (a lapsed claim may be someone else's).
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
