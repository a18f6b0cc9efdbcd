using Purple.Core.Commands;
using Purple.Core.Execution;

namespace Purple.Protocols.Memcached;

// get, gets, gat, gats. A key of another type (a Redis set) is a miss: memcached sees strings only.
public sealed partial class MemcachedSession
{
    private static readonly StringItemReader s_writeRetrieved = static (value, flags, cas, state) =>
    {
        var session = (MemcachedSession)state;
        var (request, keyIndex, withCas) = session._retrieving;
        session.Writer.Value(request![keyIndex], flags, value, cas, withCas);
    };

    /// <summary>The get being answered by <see cref="s_writeRetrieved"/>: its request, the key's token, gets or get.</summary>
    private (MemcachedRequest? Request, int KeyIndex, bool WithCas) _retrieving;

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
                // Written from the stored bytes under the key's lock, so the entry keeps owning them (docs/engine.md).
                _retrieving = (r, i, withCas);
                bool hit = Store.ReadItem(MemcachedServerContext.Db, key, this, s_writeRetrieved) == ReadStatus.Found;
                _retrieving = default;
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
