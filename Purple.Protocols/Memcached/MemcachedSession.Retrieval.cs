using Purple.Core.Commands;
using Purple.Core.Execution;

namespace Purple.Protocols.Memcached;

// get, gets, gat, gats. A key of another type (a Redis set) is a miss: memcached sees strings only.
public sealed partial class MemcachedSession
{
    // get and gets: the VALUE line written from the stored bytes, under the key's lock (docs/engine.md).
    private static readonly StringItemReader s_writeValue =
        static (key, value, flags, cas, writer) => ((MemcachedWriter)writer).Value(key, flags, value, cas, withCas: false);
    private static readonly StringItemReader s_writeValueWithCas =
        static (key, value, flags, cas, writer) => ((MemcachedWriter)writer).Value(key, flags, value, cas, withCas: true);

    private void Retrieve(MemcachedRequest r, bool withCas, bool touch)
    {
        int first = touch ? 2 : 1;
        long expiresAt = 0;
        if (touch)
        {
            if (r.TokenCount < 2)
            {
                Writer.UnknownCommand();
                return;
            }
            if (!MemcachedDecoder.TryParseInt64(r[1], out long exptime))
            {
                Writer.Line("CLIENT_ERROR invalid exptime argument");
                return;
            }
            expiresAt = ExpiresAt(exptime);
        }
        else if (r.TokenCount <= first)
        {
            Writer.UnknownCommand();
            return;
        }
        if (!touch && r.TokenCount - first > 1) PrefetchKeys(r, first);
        for (int i = first; i < r.TokenCount; i++)
        {
            var key = r[i];
            if (!MemcachedKeys.IsValid(key, Limits))
            {
                // As memcached: the values already written stay, no END follows.
                Writer.Line("CLIENT_ERROR bad command line format");
                return;
            }
            if (touch)
            {
                Count(MemcachedStat.CmdTouch);
                var action = expiresAt == 0 ? GetExAction.Persist : GetExAction.SetExpiry;
                var result = Store.Execute(new GetExCommand(MemcachedServerContext.Db, key.ToArray(), action, expiresAt));
                bool touched = result.IsOk && result.Value is not null;
                Count(touched ? MemcachedStat.TouchHits : MemcachedStat.TouchMisses);
                if (touched) Writer.Value(key, result.Item.ClientFlags, result.Item.Value, result.Item.Cas, withCas);
            }
            else
            {
                // gat counts as a touch only, as in memcached.
                Count(MemcachedStat.CmdGet);
                bool hit = Store.ReadItem(MemcachedServerContext.Db, key, Writer, withCas ? s_writeValueWithCas : s_writeValue) == ReadStatus.Found;
                Count(hit ? MemcachedStat.GetHits : MemcachedStat.GetMisses);
            }
        }
        if (!r.Continues) Writer.Raw("END\r\n"u8);
    }

    // A multi-key get reads its keys one by one; fetching all their lookups at once first makes their cache misses
    // overlap (docs/performance.md, MSET and memcached get).
    private void PrefetchKeys(MemcachedRequest r, int first)
    {
        Span<Range> keys = stackalloc Range[Math.Min(r.TokenCount - first, IDataStore.MaxPrefetchKeys)];
        for (int i = 0; i < keys.Length; i++) keys[i] = r.TokenRange(first + i);
        Store.PrefetchKeys(MemcachedServerContext.Db, r.Line, keys);
    }
}
