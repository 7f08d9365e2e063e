-- Deletes the stored token KEYS[1] if its access token is still ARGV[1] (a 401 evicts the
-- rejected token, not a newer one another process already stored).
local stored = redis.call('GET', KEYS[1])
if not stored then return 0 end
local ok, token = pcall(cjson.decode, stored)
if ok and token['access'] == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
