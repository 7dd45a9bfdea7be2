// The Lua script behind key rotation: the new document appears and the old one disappears atomically, and only if
// the old one was not changed since it was read (a concurrent rotate/update/delete makes it return 0 or -1).
// KEYS: old document, new document. ARGV: the new document's JSON, the old one's `updated_at` as a JSONPath result.
// Returns 1 (rotated), 0 (the old document is gone), -1 (it changed meanwhile).
export const ROTATE_SCRIPT = `
local cur = redis.call('JSON.GET', KEYS[1], '$.updated_at')
if not cur then return 0 end
if cur ~= ARGV[2] then return -1 end
redis.call('JSON.SET', KEYS[2], '$', ARGV[1])
redis.call('UNLINK', KEYS[1])
return 1
`;
