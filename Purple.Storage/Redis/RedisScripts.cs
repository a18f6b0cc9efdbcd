using System.Security.Cryptography;
using System.Text;

namespace Purple.Storage.Redis;

/// <summary>
/// The Lua scripts that make each Purple write one atomic step on Redis (docs/storage.md, "External Redis"). Every
/// script gets KEYS[1] = the database's metadata hash (<c>purple:meta</c>: field = key, value = "flags|cas|content
/// type"), KEYS[2] = its CAS counter (<c>purple:cas</c>), then the data keys; and returns {status, ...} with status
/// K (done), N (condition not met), M (missing), C (CAS mismatch) or E (error text).
/// </summary>
internal static class RedisScripts
{
    private const string Prelude = """
        local function getmeta(k)
          local m = redis.call('HGET', KEYS[1], k)
          if not m then return nil end
          local a = string.find(m, '|', 1, true)
          local b = string.find(m, '|', a + 1, true)
          return { tonumber(string.sub(m, 1, a - 1)), tonumber(string.sub(m, a + 1, b - 1)), string.sub(m, b + 1) }
        end
        local function setmeta(k, flags, ctype)
          if redis.call('EXISTS', KEYS[2]) == 0 then
            -- Start from the clock (ms x 1000), so CAS values are never small numbers a client might guess, and
            -- stay below 2^53, where Lua's numbers are exact.
            local t = redis.call('TIME')
            redis.call('SET', KEYS[2], string.format('%.0f', tonumber(t[1]) * 1000000 + math.floor(tonumber(t[2]) / 1000) * 1000))
          end
          local c = redis.call('INCR', KEYS[2])
          -- %.0f: Lua's default number format would round a 16-digit CAS.
          redis.call('HSET', KEYS[1], k, flags .. '|' .. string.format('%.0f', c) .. '|' .. ctype)
          return c
        end
        local function bump(k)
          local m = getmeta(k)
          if m then return setmeta(k, m[1], m[3]) end
          return setmeta(k, 0, '')
        end
        local function settled(k)
          if redis.call('EXISTS', k) == 1 then return bump(k) end
          redis.call('HDEL', KEYS[1], k)
          return 0
        end
        local function errtext(r)
          if type(r) == 'table' then return r.err or 'ERR unknown error' end
          return tostring(r)
        end
        local function isint64(v)
          if type(v) ~= 'string' or not string.match(v, '^-?[0-9]+$') then return false end
          if string.match(v, '^-?0[0-9]') then return false end
          local digits = string.gsub(v, '^-', '')
          local limit = string.sub(v, 1, 1) == '-' and '9223372036854775808' or '9223372036854775807'
          return #digits < 19 or (#digits == 19 and digits <= limit)
        end
        local function item(k)
          local m = getmeta(k)
          if not m then setmeta(k, 0, ''); m = getmeta(k) end
          return m
        end

        """;

    public static readonly RedisScript Set = new(Prelude + """
        local k = KEYS[3]
        local t = redis.call('TYPE', k).ok
        local exists = t ~= 'none'
        local old = false
        local opts = tonumber(ARGV[4])
        if opts >= 2 then
          if exists and t ~= 'string' then return {'E', 'WRONGTYPE'} end
          if exists then old = redis.call('GET', k) end
          opts = opts - 2
        end
        local keepttl = opts == 1
        local cond = tonumber(ARGV[2])
        if cond == 1 and exists then return {'N', old} end
        if cond == 2 and not exists then return {'N', old} end
        if cond >= 3 then
          if not exists or t ~= 'string' then return {'M'} end
          local m = item(k)
          local expected = tonumber(ARGV[7])
          if m[2] ~= expected then
            if cond == 4 and expected ~= 0 and expected < m[2] then keepttl = true else return {'C'} end
          end
        end
        local at = tonumber(ARGV[3])
        if keepttl then
          redis.call('SET', k, ARGV[1], 'KEEPTTL')
        elseif at > 0 and at <= tonumber(ARGV[8]) then
          redis.call('DEL', k)
          redis.call('HDEL', KEYS[1], k)
          return {'K', old, 0}
        elseif at > 0 then
          -- Not SET … PXAT: Garnet does not take it.
          redis.call('SET', k, ARGV[1])
          redis.call('PEXPIREAT', k, at)
        else
          redis.call('SET', k, ARGV[1])
        end
        return {'K', old, setmeta(k, ARGV[5], ARGV[6])}
        """);

    public static readonly RedisScript Delete = new(Prelude + """
        local n = 0
        for i = 3, #KEYS do
          n = n + redis.call('DEL', KEYS[i])
          redis.call('HDEL', KEYS[1], KEYS[i])
        end
        return {'K', n}
        """);

    // ARGV: at, condition (0 always, 1 NX, 2 XX, 3 GT, 4 LT, 5 XX+LT), now.
    public static readonly RedisScript Expire = new(Prelude + """
        local k = KEYS[3]
        local cond = tonumber(ARGV[2])
        local flags = { [1] = 'NX', [2] = 'XX', [3] = 'GT', [4] = 'LT' }
        local r
        if cond == 5 then r = redis.call('PEXPIREAT', k, ARGV[1], 'XX', 'LT')
        elseif cond > 0 then r = redis.call('PEXPIREAT', k, ARGV[1], flags[cond])
        else r = redis.call('PEXPIREAT', k, ARGV[1]) end
        if r == 1 then settled(k) end
        return {'K', r}
        """);

    public static readonly RedisScript Persist = new(Prelude + """
        local r = redis.call('PERSIST', KEYS[3])
        if r == 1 then bump(KEYS[3]) end
        return {'K', r}
        """);

    public static readonly RedisScript IncrBy = new(Prelude + """
        local ok, r = pcall(redis.call, 'INCRBY', KEYS[3], ARGV[1])
        if not ok then
          local text = errtext(r)
          -- Garnet says "not an integer" where Redis says "would overflow": a stored 64-bit integer means overflow.
          if string.find(text, 'not an integer', 1, true) and isint64(redis.call('GET', KEYS[3])) then
            return {'E', 'ERR increment or decrement would overflow'}
          end
          return {'E', text}
        end
        bump(KEYS[3])
        -- The stored text, not r: Lua holds r as a double, which cannot carry every 64-bit integer.
        return {'K', redis.call('GET', KEYS[3])}
        """);

    // The memcached counter step, decided by the caller: replace the value only if it is still what was read.
    // ARGV: expected value, new value.
    public static readonly RedisScript ReplaceIfUnchanged = new(Prelude + """
        local k = KEYS[3]
        if redis.call('TYPE', k).ok ~= 'string' then return {'M'} end
        if redis.call('GET', k) ~= ARGV[1] then return {'C'} end
        redis.call('SET', k, ARGV[2], 'KEEPTTL')
        return {'K', bump(k)}
        """);

    // ARGV: value, prepend (0/1), must exist (0/1).
    public static readonly RedisScript Append = new(Prelude + """
        local k = KEYS[3]
        local t = redis.call('TYPE', k).ok
        if t == 'none' and ARGV[3] == '1' then return {'M'} end
        if t ~= 'none' and t ~= 'string' then return {'E', 'WRONGTYPE'} end
        local n
        if ARGV[2] == '1' and t ~= 'none' then
          local v = ARGV[1] .. redis.call('GET', k)
          redis.call('SET', k, v, 'KEEPTTL')
          n = string.len(v)
        else
          n = redis.call('APPEND', k, ARGV[1])
        end
        bump(k)
        return {'K', n}
        """);

    // KEYS[3..] keys; ARGV: nx (0/1), then one value per key.
    public static readonly RedisScript MSet = new(Prelude + """
        if ARGV[1] == '1' then
          for i = 3, #KEYS do
            if redis.call('EXISTS', KEYS[i]) == 1 then return {'K', 0} end
          end
        end
        for i = 3, #KEYS do
          redis.call('SET', KEYS[i], ARGV[i - 1])
          setmeta(KEYS[i], 0, '')
        end
        return {'K', 1}
        """);

    // KEYS[3] source, KEYS[4] destination; ARGV: nx (0/1).
    public static readonly RedisScript Rename = new(Prelude + """
        local src, dst = KEYS[3], KEYS[4]
        if redis.call('EXISTS', src) == 0 then return {'E', 'NOSUCHKEY'} end
        if src == dst then return {'K', ARGV[1] == '1' and 0 or 1} end
        if ARGV[1] == '1' and redis.call('EXISTS', dst) == 1 then return {'K', 0} end
        local m = getmeta(src)
        redis.call('RENAME', src, dst)
        redis.call('HDEL', KEYS[1], src)
        if m then setmeta(dst, m[1], m[3]) else setmeta(dst, 0, '') end
        return {'K', 1}
        """);

    // ARGV: 'SADD' | 'SREM', members...
    public static readonly RedisScript SetMembers = new(Prelude + """
        local ok, r = pcall(redis.call, ARGV[1], KEYS[3], unpack(ARGV, 2))
        if not ok then return {'E', errtext(r)} end
        if r > 0 then settled(KEYS[3]) end
        return {'K', r}
        """);

    // ARGV: count (-1: SPOP key without a count).
    // Garnet answers SPOP k 0 on a key of another type with an empty array; Redis with WRONGTYPE, which the type check
    // gives on both.
    public static readonly RedisScript SPop = new(Prelude + """
        local t = redis.call('TYPE', KEYS[3]).ok
        if t ~= 'none' and t ~= 'set' then return {'E', 'WRONGTYPE'} end
        local ok, r
        if tonumber(ARGV[1]) < 0 then ok, r = pcall(redis.call, 'SPOP', KEYS[3])
        else ok, r = pcall(redis.call, 'SPOP', KEYS[3], ARGV[1]) end
        if not ok then return {'E', errtext(r)} end
        -- Nothing popped (a count of 0, a missing key) writes nothing: a new CAS would abort a WATCH of the key.
        if r and (type(r) ~= 'table' or #r > 0) then settled(KEYS[3]) end
        return {'K', r}
        """);

    public static readonly RedisScript GetDel = new(Prelude + """
        local k = KEYS[3]
        local t = redis.call('TYPE', k).ok
        if t == 'none' then return {'K', false} end
        if t ~= 'string' then return {'E', 'WRONGTYPE'} end
        local v = redis.call('GET', k)
        redis.call('DEL', k)
        redis.call('HDEL', KEYS[1], k)
        return {'K', v}
        """);

    // ARGV: action (0 none, 1 set expiry, 2 persist), at, now. Returns {K, value, pttl, flags, cas, ctype} or {K, false}.
    public static readonly RedisScript GetEx = new(Prelude + """
        local k = KEYS[3]
        local t = redis.call('TYPE', k).ok
        if t == 'none' then redis.call('HDEL', KEYS[1], k); return {'K', false} end
        if t ~= 'string' then return {'E', 'WRONGTYPE'} end
        local v = redis.call('GET', k)
        local action, at = tonumber(ARGV[1]), tonumber(ARGV[2])
        local m = item(k)
        if action == 1 and at <= tonumber(ARGV[3]) then
          redis.call('DEL', k)
          redis.call('HDEL', KEYS[1], k)
          return {'K', v, -2, m[1], m[2], m[3]}
        elseif action == 1 then
          redis.call('PEXPIREAT', k, at)
          bump(k)
        elseif action == 2 then
          if redis.call('PERSIST', k) == 1 then bump(k) end
        end
        m = getmeta(k)
        return {'K', v, redis.call('PTTL', k), m[1], m[2], m[3]}
        """);

    // A string with its metadata: {type, value, pttl, flags, cas, ctype}; {type} for other types and 'none'.
    public static readonly RedisScript Get = new(Prelude + """
        local k = KEYS[3]
        local t = redis.call('TYPE', k).ok
        if t == 'none' then redis.call('HDEL', KEYS[1], k); return {t} end
        if t ~= 'string' then return {t} end
        local m = item(k)
        return {t, redis.call('GET', k), redis.call('PTTL', k), m[1], m[2], m[3]}
        """);

    // The key's CAS (assigned now if it had none), 0 when missing: WATCH's version.
    public static readonly RedisScript Version = new(Prelude + """
        local k = KEYS[3]
        if redis.call('EXISTS', k) == 0 then redis.call('HDEL', KEYS[1], k); return {'K', 0} end
        return {'K', item(k)[2]}
        """);

    // Drops the metadata of those of KEYS[3..] that no longer exist (expired, or deleted by other clients). The
    // caller finds candidates with HSCAN; they are declared here as KEYS, as Redis asks of scripts (and Garnet's
    // transactional scripts and Redis Cluster need). ARGV[i] is the metadata HSCAN saw for KEYS[i + 2]: an entry that
    // changed since (a write gives it a new CAS) is kept, because a server that does not isolate scripts (Garnet
    // without --lua-transaction-mode) can run a write of the key between this script's EXISTS and its HDEL.
    // Returns {K, removed}.
    public static readonly RedisScript DropMetaOfMissing = new(Prelude + """
        local removed = 0
        for i = 3, #KEYS do
          if redis.call('EXISTS', KEYS[i]) == 0 and redis.call('HGET', KEYS[1], KEYS[i]) == ARGV[i - 2] then
            removed = removed + redis.call('HDEL', KEYS[1], KEYS[i])
          end
        end
        return {'K', removed}
        """);
}

/// <summary>A Lua script called by SHA1 (EVALSHA), loaded with EVAL the first time a server does not know it.</summary>
internal sealed class RedisScript(string source)
{
    // SHA1 is how Redis names scripts (EVALSHA), not a security measure.
#pragma warning disable CA5350
    public string Source { get; } = source;
    public string Sha1 { get; } = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(source)));
#pragma warning restore CA5350
}
