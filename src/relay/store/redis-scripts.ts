/**
 * The Redis store's Lua scripts: one per client request, so a request is one round trip and
 * two relays never interleave a claim, a take or a hold. Keys are derived inside the scripts
 * from the prefix (ARGV[1]), so this runs on one Redis (not Cluster). Time is Redis's own
 * (`TIME`), so relays with skewed clocks agree on cool-downs.
 *
 * Keys under the prefix (docs/relay.md "Scaling out with Redis"); every one has a TTL ≤ ttl:
 *   np:<n>               nameplate -> mailbox id
 *   nps                  zset: live nameplates by expiry (O(log n) count for /metrics, and
 *                        reclaiming nameplates whose relay died without releasing them)
 *   cd:<n>               "j:<ms>" joined / "r:<ms>" released at <ms>: "crowded" answers, cool-down check
 *   un:<tier>, ui:<tier> never-handed-out numbers of a tier (SPOP: random, O(1)); ui marks it filled
 *   fq:<tier>:j|r        released numbers, oldest first, as "<availableAtMs>:<n>"
 *   nf:<tier>            hint: nothing in the tier is free before this time (a busy tier costs one GET)
 *   pr:<mb>:<side>       presence: the subscriber's token "<instanceId>.<…>"
 *   q:<mb>:<side>        held blob ids "<seq>:<bucket>", oldest first
 *   sq:<mb>:<side>       blob counter
 *   b:<mb>:<side>:<seq>  one held blob (opaque bytes)
 *   hc:<bucket>          blobs held in that bucket (TTL/12; the sum of live buckets = held now)
 * Channel inst:<instanceId>: kind byte (0 blob, 1 peer, 2 replaced) ‖ token length byte ‖ token ‖ blob.
 */
import { NAMEPLATE_TIERS } from "./nameplates.js";

export const KIND_BLOB = 0;
export const KIND_PEER = 1;
export const KIND_REPLACED = 2;

const COMMON = `
local P = ARGV[1]
local ttl = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
-- Instances attached to the calling store (",id,id,"), set by the scripts that deliver events:
-- an event for one of their tokens goes back in the reply (kind, token pairs in L; a blob's bytes
-- are the caller's own), not through PUBLISH, so a single relay never round-trips its own events.
local LOCAL = nil
local L = {}
local function publish(token, kind, payload)
  local dot = string.find(token, '.', 1, true)
  local inst = dot and string.sub(token, 1, dot - 1) or token
  if LOCAL and string.find(LOCAL, ',' .. inst .. ',', 1, true) then
    L[#L + 1] = kind
    L[#L + 1] = token
    return
  end
  redis.call('PUBLISH', P .. 'inst:' .. inst, string.char(kind) .. string.char(#token) .. token .. payload)
end
-- out ‖ #L/2 ‖ L ‖ tail: the local events between a reply's fixed fields and its blobs.
local function withLocal(out, tail)
  out[#out + 1] = #L / 2
  for i = 1, #L do out[#out + 1] = L[i] end
  if tail then for i = 1, #tail do out[#out + 1] = tail[i] end end
  return out
end
local function other(side) if side == 'host' then return 'join' end return 'host' end
-- Held-blob counters are kept per bucket of bms ms (a twelfth of the TTL, at most 5 s).
local bms = math.max(100, math.min(5000, math.floor(ttl * 1000 / 12)))
`;

/** Nameplate allocation and cool-down (ARGV[3] joined cool-down ms, ARGV[4] released cool-down ms). */
const NAMEPLATES = `
local cdJ = tonumber(ARGV[3])
local cdR = tonumber(ARGV[4])
local tiers = {${NAMEPLATE_TIERS.map(([lo, hi]) => `{${lo}, ${hi}}`).join(", ")}}
local function tierOf(n) local d = #n if d <= 2 then return 1 end return d - 1 end
local function coolDown(n, kind, at)
  local q = P .. 'fq:' .. tierOf(n) .. ':' .. kind
  redis.call('RPUSH', q, (at + ((kind == 'j') and cdJ or cdR)) .. ':' .. n)
  redis.call('EXPIRE', q, ttl)
  redis.call('SET', P .. 'cd:' .. n, kind .. ':' .. at, 'EX', ttl)
end
-- Whether n may be handed out now: not live, and its last release has cooled down.
local function usable(n)
  if redis.call('EXISTS', P .. 'np:' .. n) == 1 then return false end
  local c = redis.call('GET', P .. 'cd:' .. n)
  if not c then return true end
  local kind, at = string.match(c, '^(%a):(%d+)$')
  local ready = tonumber(at) + ((kind == 'j') and cdJ or cdR)
  if ready <= now then return true end
  -- Reached early (a duplicate entry, or a re-filled unused set): back in line at its time.
  local q = P .. 'fq:' .. tierOf(n) .. ':' .. kind
  redis.call('RPUSH', q, ready .. ':' .. n)
  redis.call('EXPIRE', q, ttl)
  return false
end
local function claim(n, mailbox)
  redis.call('SET', P .. 'np:' .. n, mailbox, 'EX', ttl)
  redis.call('ZADD', P .. 'nps', now + ttl * 1000, n)
  redis.call('EXPIRE', P .. 'nps', ttl)
  redis.call('DEL', P .. 'cd:' .. n)
  return n
end
local function allocate(mailbox)
  -- Nameplates whose relay died without releasing them come back as released ones.
  for _, n in ipairs(redis.call('ZRANGEBYSCORE', P .. 'nps', '-inf', now, 'LIMIT', 0, 4)) do
    redis.call('ZREM', P .. 'nps', n)
    if redis.call('EXISTS', P .. 'np:' .. n) == 0 then coolDown(n, 'r', now) end
  end
  for i, range in ipairs(tiers) do
    -- nf:<i> says "nothing in this tier is free before <ms>": a busy tier costs one GET.
    local nf = P .. 'nf:' .. i
    local hint = redis.call('GET', nf)
    if not hint or tonumber(hint) <= now then
      local un, ui = P .. 'un:' .. i, P .. 'ui:' .. i
      if redis.call('EXISTS', ui) == 0 then
        redis.call('DEL', un)
        for lo = range[1], range[2], 4000 do
          local chunk = {}
          for n = lo, math.min(lo + 3999, range[2]) do chunk[#chunk + 1] = n end
          redis.call('SADD', un, unpack(chunk))
        end
        redis.call('SET', ui, '1', 'EX', ttl)
        redis.call('EXPIRE', un, ttl)
      end
      for _ = 1, 64 do
        local n = redis.call('SPOP', un)
        if not n then break end
        if usable(n) then
          redis.call('EXPIRE', ui, ttl)
          redis.call('EXPIRE', un, ttl)
          return claim(n, mailbox)
        end
      end
      local earliest = now + 1000
      for _, kind in ipairs({'j', 'r'}) do
        local q = P .. 'fq:' .. i .. ':' .. kind
        for _ = 1, 64 do
          local head = redis.call('LINDEX', q, 0)
          if not head then break end
          local at, n = string.match(head, '^(%d+):(%d+)$')
          if tonumber(at) > now then
            earliest = math.min(earliest, tonumber(at))
            break
          end
          redis.call('LPOP', q)
          if usable(n) then
            redis.call('EXPIRE', ui, ttl)
            return claim(n, mailbox)
          end
        end
      end
      redis.call('SET', nf, earliest, 'PX', math.max(1, math.min(ttl * 1000, earliest - now)))
    end
  end
  return false
end
`;

/** Open a side: presence, tell the replaced and the peer, take the held blobs. */
const OPEN_SIDE = `
local function openSide(m, side, token)
  local pr = P .. 'pr:' .. m .. ':' .. side
  local old = redis.call('GET', pr)
  redis.call('SET', pr, token, 'EX', ttl)
  if old and old ~= token then publish(old, ${KIND_REPLACED}, '') end
  local peer = redis.call('GET', P .. 'pr:' .. m .. ':' .. other(side))
  if peer then publish(peer, ${KIND_PEER}, '') end
  local q = P .. 'q:' .. m .. ':' .. side
  local ids = redis.call('LRANGE', q, 0, -1)
  redis.call('DEL', q)
  local out, blobs = {peer and 1 or 0, 0}, {}
  for _, id in ipairs(ids) do
    local seq, bucket = string.match(id, '^(%d+):(%d+)$')
    local k = P .. 'b:' .. m .. ':' .. side .. ':' .. seq
    local b = redis.call('GET', k)
    if b then
      redis.call('DEL', k)
      blobs[#blobs + 1] = b
      local hc = P .. 'hc:' .. bucket
      if redis.call('EXISTS', hc) == 1 then redis.call('DECR', hc) end
    else
      out[2] = out[2] + 1
    end
  end
  return withLocal(out, blobs)
end
`;

// ARGV: prefix, ttl, cdJ, cdR, mailbox, token
export const HOST = `${COMMON}${NAMEPLATES}
local n = allocate(ARGV[5])
if not n then return false end
redis.call('SET', P .. 'pr:' .. ARGV[5] .. ':host', ARGV[6], 'EX', ttl)
return n`;

// ARGV: prefix, ttl, cdJ, cdR, nameplate, token, local instances.
// Returns {0} not found, {1} crowded, {2, m, peer, expired, #local, local..., blobs...}.
export const JOIN = `${COMMON}${NAMEPLATES}${OPEN_SIDE}
LOCAL = ARGV[7]
local n = ARGV[5]
local m = redis.call('GET', P .. 'np:' .. n)
if not m then
  local c = redis.call('GET', P .. 'cd:' .. n)
  if c and string.sub(c, 1, 1) == 'j' then return {1} end
  return {0}
end
redis.call('DEL', P .. 'np:' .. n)
redis.call('ZREM', P .. 'nps', n)
coolDown(n, 'j', now)
local out = openSide(m, 'join', ARGV[6])
table.insert(out, 1, m)
table.insert(out, 1, 2)
return out`;

// ARGV: prefix, ttl, mailbox, side, token, local instances. Returns {peer, expired, #local, local..., blobs...}.
export const OPEN = `${COMMON}${OPEN_SIDE}
LOCAL = ARGV[6]
return openSide(ARGV[3], ARGV[4], ARGV[5])`;

// ARGV: prefix, ttl, mailbox, to, blob, maxHeld, local instances.
// Returns {0, #local, local...} delivered, {1, expired} held, {2, expired} full.
export const POST = `${COMMON}
LOCAL = ARGV[7]
local m, to = ARGV[3], ARGV[4]
local peer = redis.call('GET', P .. 'pr:' .. m .. ':' .. to)
if peer then
  publish(peer, ${KIND_BLOB}, ARGV[5])
  return withLocal({0})
end
local q = P .. 'q:' .. m .. ':' .. to
local bprefix = P .. 'b:' .. m .. ':' .. to .. ':'
local expired = 0
while true do
  local head = redis.call('LINDEX', q, 0)
  if not head then break end
  local seq = string.match(head, '^(%d+):')
  if redis.call('EXISTS', bprefix .. seq) == 1 then break end
  redis.call('LPOP', q)
  expired = expired + 1
end
if redis.call('LLEN', q) >= tonumber(ARGV[6]) then return {2, expired} end
local sq = P .. 'sq:' .. m .. ':' .. to
local seq = redis.call('INCR', sq)
redis.call('EXPIRE', sq, ttl)
local bucket = math.floor(now / bms)
redis.call('SET', bprefix .. seq, ARGV[5], 'EX', ttl)
redis.call('RPUSH', q, seq .. ':' .. bucket)
redis.call('EXPIRE', q, ttl)
local hc = P .. 'hc:' .. bucket
redis.call('INCR', hc)
-- Refreshed by every blob it counts, so it outlives each of them and nothing outlives the TTL.
redis.call('PEXPIRE', hc, ttl * 1000)
return {1, expired}`;

// ARGV: prefix, ttl, cdJ, cdR, mailbox, side, token, nameplate or ''.
export const LEAVE = `${COMMON}${NAMEPLATES}
local m = ARGV[5]
local pr = P .. 'pr:' .. m .. ':' .. ARGV[6]
if redis.call('GET', pr) == ARGV[7] then redis.call('DEL', pr) end
local n = ARGV[8]
if n ~= '' and redis.call('GET', P .. 'np:' .. n) == m then
  redis.call('DEL', P .. 'np:' .. n)
  redis.call('ZREM', P .. 'nps', n)
  coolDown(n, 'r', now)
end
return 0`;

// ARGV: prefix, ttl, then (mailbox, side, token, nameplate or '') per subscriber.
export const REFRESH = `${COMMON}
for i = 3, #ARGV, 4 do
  local m, side, token, n = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local pr = P .. 'pr:' .. m .. ':' .. side
  local cur = redis.call('GET', pr)
  if not cur or cur == token then redis.call('SET', pr, token, 'EX', ttl) end
  if n ~= '' and redis.call('GET', P .. 'np:' .. n) == m then
    redis.call('EXPIRE', P .. 'np:' .. n, ttl)
    redis.call('ZADD', P .. 'nps', now + ttl * 1000, n)
    redis.call('EXPIRE', P .. 'nps', ttl)
  end
end
return 0`;

// ARGV: prefix, ttl. Returns {heldBlobs, nameplates} without scanning the keyspace.
export const STATS = `${COMMON}
local keys = {}
local b = math.floor(now / bms)
for i = 0, 13 do keys[#keys + 1] = P .. 'hc:' .. (b - i) end
local held = 0
for _, v in ipairs(redis.call('MGET', unpack(keys))) do if v then held = held + math.max(0, tonumber(v)) end end
return {held, redis.call('ZCOUNT', P .. 'nps', now, '+inf')}`;
