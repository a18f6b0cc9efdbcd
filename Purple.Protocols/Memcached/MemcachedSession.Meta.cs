using System.Buffers.Text;
using Purple.Core.Commands;
using Purple.Core.Execution;
using Purple.Protocols.Metrics;

namespace Purple.Protocols.Memcached;

// mg, ms, md, ma, me (mn is answered inline). Flags are single letters, each at most once, with an
// optional token glued on ("T30"); return flags come back in the order they were asked for.
public sealed partial class MemcachedSession
{
    // Token index of each flag of the current meta request (0 = absent), by letter - 'A'.
    private readonly int[] _flagAt = new int[58];
    private ulong _flagMask;
    private byte[]? _metaKey;
    private bool _metaKeyIsBase64;

    private static ulong Flags(string letters)
    {
        ulong mask = 0;
        foreach (char c in letters) mask |= 1UL << (c - 'A');
        return mask;
    }

    private static readonly ulong MetaGetFlags = Flags("bcfhklOqRstuvNT");
    private static readonly ulong MetaSetFlags = Flags("bcCFIkOqsSTMN");
    private static readonly ulong MetaDeleteFlags = Flags("bCIkOqT");
    private static readonly ulong MetaArithmeticFlags = Flags("bcCkOqtvNJDTM");

    private bool Has(char flag) => (_flagMask & (1UL << (flag - 'A'))) != 0;

    /// <summary>Token index of a flag of the current request, int.MaxValue when absent (memcached applies T, N, R in token order).</summary>
    private int FlagIndex(char flag) => Has(flag) ? _flagAt[flag - 'A'] : int.MaxValue;

    private ReadOnlySpan<byte> FlagToken(MemcachedRequest r, char flag) => r[_flagAt[flag - 'A']][1..];

    /// <summary>Reads flags from token <paramref name="first"/> on and the key (token 1); writes the error and returns false when they are bad.</summary>
    private bool ParseMeta(MemcachedRequest r, int first, ulong allowed)
    {
        _flagMask = 0;
        _metaKey = null;
        for (int i = first; i < r.TokenCount; i++)
        {
            var token = r[i];
            byte c = token[0];
            int bit = c - 'A';
            // md and ma have one text for both faults; mg and ms tell them apart (memcached 1.6.18).
            bool combined = r.Command is MemcachedCommand.MetaDelete or MemcachedCommand.MetaArithmetic;
            if (bit < 0 || bit >= 58 || (allowed & (1UL << bit)) == 0)
            {
                Writer.Raw(combined ? "CLIENT_ERROR invalid or duplicate flag\r\n"u8 : "CLIENT_ERROR invalid flag\r\n"u8);
                return false;
            }
            if ((_flagMask & (1UL << bit)) != 0)
            {
                Writer.Raw(combined ? "CLIENT_ERROR invalid or duplicate flag\r\n"u8 : "CLIENT_ERROR duplicate flag\r\n"u8);
                return false;
            }
            _flagMask |= 1UL << bit;
            _flagAt[bit] = i;
        }
        if (Has('O') && FlagToken(r, 'O').Length > 32)
        {
            Writer.Raw("CLIENT_ERROR opaque token too long\r\n"u8);
            return false;
        }
        var keyToken = r[1];
        _metaKeyIsBase64 = Has('b');
        if (_metaKeyIsBase64)
        {
            var decoded = new byte[keyToken.Length];
            if (Base64.DecodeFromUtf8(keyToken, decoded, out _, out int written) != System.Buffers.OperationStatus.Done || written == 0 || written > Limits.MaxKeyLength)
            {
                Writer.Raw("CLIENT_ERROR error decoding key\r\n"u8);
                return false;
            }
            _metaKey = decoded[..written];
        }
        else
        {
            if (!MemcachedKeys.IsValid(keyToken, Limits))
            {
                Writer.Raw("CLIENT_ERROR bad command line format\r\n"u8);
                return false;
            }
            _metaKey = keyToken.ToArray();
        }
        return true;
    }

    private bool TryFlagNumber(MemcachedRequest r, char flag, out long value)
    {
        value = 0;
        return Has(flag) && MemcachedDecoder.TryParseInt64(FlagToken(r, flag), out value);
    }

    /// <summary>
    /// The return flags every meta command shares (k, O, b), plus c/f/s/t when asked and known, and mg's h and l
    /// (with its TTL as memcached prints it at each token) when <paramref name="view"/> is given.
    /// </summary>
    private void ReturnFlags(MemcachedRequest r, int first, in StringItem item, bool haveItem, MetaGetView? view = null)
    {
        for (int i = first; i < r.TokenCount; i++)
        {
            byte c = r[i][0];
            switch (c)
            {
                case (byte)'k':
                    Writer.MetaFlag((byte)'k', r[1]);
                    if (_metaKeyIsBase64) Writer.Raw(" b"u8);
                    break;
                case (byte)'O':
                    Writer.MetaFlag((byte)'O', r[i][1..]);
                    break;
                case (byte)'c' when haveItem:
                    Writer.MetaFlag((byte)'c', item.Cas);
                    break;
                case (byte)'f' when haveItem:
                    Writer.MetaFlag((byte)'f', (long)item.ClientFlags);
                    break;
                case (byte)'s' when haveItem && r.Command != MemcachedCommand.MetaSet: // ms takes s but does not echo it
                    Writer.MetaFlag((byte)'s', (long)item.Value.Length);
                    break;
                case (byte)'t' when haveItem:
                    Writer.MetaFlag((byte)'t', TtlSeconds(view is { } v ? v.ExpiresAtToken(r, first, i) : item.ExpiresAt));
                    break;
                case (byte)'h' when view is { } fetched:
                    Writer.MetaFlag((byte)'h', fetched.Access.Fetched ? 1 : 0);
                    break;
                case (byte)'l' when view is { } used:
                    Writer.MetaFlag((byte)'l', used.Known ? SecondsSince(used.Access.LastAccessMs) : 0);
                    break;
            }
        }
    }

    /// <summary>A meta command without its key is "ERROR" to memcached (me says "bad command line format").</summary>
    private bool MetaArgsPresent(MemcachedRequest r, int needed)
    {
        if (r.TokenCount >= needed) return true;
        Writer.Raw(r.Command == MemcachedCommand.MetaDebug ? "CLIENT_ERROR bad command line format\r\n"u8 : "ERROR\r\n"u8);
        return false;
    }

    /// <summary>
    /// What mg reports beyond the item: how it had been used before this request (h, l) and the TTL it had at each
    /// token, since memcached applies T and N as it walks the flags ("mg k t T30" prints the TTL before the touch).
    /// </summary>
    private readonly struct MetaGetView(ItemAccess access, bool known, bool created, long expiresBefore, long touchExpiresAt, long vivifyExpiresAt)
    {
        public ItemAccess Access { get; } = access;

        /// <summary>False when there was no item to describe before this request (created by N, or by another client meanwhile).</summary>
        public bool Known { get; } = known;

        public long ExpiresAtToken(MemcachedRequest r, int first, int index)
        {
            long expiresAt = created ? 0 : expiresBefore;
            for (int i = first; i < index; i++)
            {
                byte c = r[i][0];
                if (c == (byte)'T') expiresAt = touchExpiresAt;
                else if (c == (byte)'N' && created) expiresAt = vivifyExpiresAt;
            }
            return expiresAt;
        }
    }

    private long SecondsSince(long unixMs) => Math.Max(0, (Server.NowMs - unixMs) / 1000);

    private void MetaGet(MemcachedRequest r)
    {
        if (!MetaArgsPresent(r, 2) || !ParseMeta(r, 2, MetaGetFlags)) return;
        Count(MemcachedStat.CmdGet);
        long ttl = 0, vivifyTtl = 0, recacheTtl = 0;
        if ((Has('T') && !TryFlagNumber(r, 'T', out ttl)) || (Has('N') && !TryFlagNumber(r, 'N', out vivifyTtl))
            || (Has('R') && !TryFlagNumber(r, 'R', out recacheTtl)))
        {
            Writer.Raw("CLIENT_ERROR bad token in command line format\r\n"u8);
            return;
        }
        var db = MemcachedServerContext.Db;
        long touchExpiresAt = Has('T') ? ExpiresAt(ttl) : 0;
        long vivifyExpiresAt = Has('N') ? ExpiresAt(vivifyTtl) : 0;
        long recacheBefore = Has('R') ? ExpiresAt(recacheTtl) : 0;
        // A read first: it reports how the item had been used (h, l) and refreshes it unless u. Most mg stop here.
        var status = Store.TryGetItem(db, _metaKey, Has('u') ? ItemReadOptions.NoTouch : ItemReadOptions.None, out var item, out var access);
        bool hit = status == ReadStatus.Found;
        long expiresBefore = item.ExpiresAt;
        var outcome = hit ? Observed(access) : LeaseOutcome.None;
        // The write half - touch (T), vivify (N), hand out the lease (R, or a stale item nobody is recomputing) - is a
        // record, taken only when it can change something, so a replica or journal sees every lease.
        bool write = hit
            ? Has('T') || (!access.LeaseTaken && (access.Stale || (recacheBefore != 0 && item.ExpiresAt != 0 && item.ExpiresAt < recacheBefore)))
            : status == ReadStatus.Missing && Has('N');
        if (write)
        {
            var expiry = !Has('T') ? GetExAction.None : touchExpiresAt == 0 ? GetExAction.Persist : GetExAction.SetExpiry;
            // On a miss, whichever of N and T comes last sets the new item's TTL, as memcached applies them in order.
            long createdExpiresAt = !Has('T') || FlagIndex('T') < FlagIndex('N') ? vivifyExpiresAt : touchExpiresAt;
            var result = Store.Execute(new LeaseCommand(db, _metaKey!, expiry, touchExpiresAt, Has('N'), createdExpiresAt, recacheBefore,
                RecacheAfterExpiry: FlagIndex('T') < FlagIndex('R')));
            hit = result.IsOk;
            if (hit)
            {
                item = result.Item;
                outcome = (LeaseOutcome)result.Integer;
            }
        }
        if (Has('T'))
        {
            Count(MemcachedStat.CmdTouch);
            Count(hit ? MemcachedStat.TouchHits : MemcachedStat.TouchMisses);
        }
        if (!hit)
        {
            Count(MemcachedStat.GetMisses);
            if (!Has('q'))
            {
                Writer.Raw("EN"u8);
                ReturnFlags(r, 2, default, haveItem: false);
                Writer.EndLine();
            }
            return;
        }
        Count(MemcachedStat.GetHits);
        if (Has('v'))
        {
            Writer.Raw("VA "u8);
            Writer.Number(item.Value.Length);
        }
        else
        {
            Writer.Raw("HD"u8);
        }
        bool created = (outcome & LeaseOutcome.Created) != 0;
        var view = new MetaGetView(access, known: status == ReadStatus.Found && !created, created,
            write && Has('T') ? expiresBefore : item.ExpiresAt, touchExpiresAt, vivifyExpiresAt);
        ReturnFlags(r, 2, item, haveItem: true, view);
        // memcached's order: Z (someone else is recomputing), X (stale), W (this client should).
        if ((outcome & LeaseOutcome.Taken) != 0) Writer.Raw(" Z"u8);
        if ((outcome & LeaseOutcome.Stale) != 0) Writer.Raw(" X"u8);
        if ((outcome & LeaseOutcome.Won) != 0) Writer.Raw(" W"u8);
        Writer.EndLine();
        if (Has('v')) Writer.Data(item.Value);
    }

    private static LeaseOutcome Observed(in ItemAccess access) =>
        (access.Stale ? LeaseOutcome.Stale : LeaseOutcome.None) | (access.LeaseTaken ? LeaseOutcome.Taken : LeaseOutcome.None);

    private void MetaSet(MemcachedRequest r)
    {
        if (r.Error is not null)
        {
            Writer.Line(r.Error);
            return;
        }
        if (!ParseMeta(r, 3, MetaSetFlags)) return;
        Count(MemcachedStat.CmdSet);
        if (r.TooLarge)
        {
            Count(MemcachedStat.StoreTooLarge);
            Server.Metrics.Rejected(RejectReason.TooLarge);
            // As for a classic set: a failed store in set mode must not leave the old value readable.
            bool setMode = !Has('M') || FlagToken(r, 'M') is [(byte)'S' or (byte)'s'];
            if (setMode) Store.Execute(new DeleteCommand(MemcachedServerContext.Db, [_metaKey!]));
            Writer.Raw("SERVER_ERROR object too large for cache\r\n"u8);
            return;
        }
        long ttl = 0, flags = 0, compare = 0;
        if ((Has('T') && !TryFlagNumber(r, 'T', out ttl)) || (Has('N') && !TryFlagNumber(r, 'N', out _)) || (Has('F') && (!TryFlagNumber(r, 'F', out flags) || flags < 0 || flags > uint.MaxValue))
            || (Has('C') && !TryFlagNumber(r, 'C', out compare)))
        {
            Writer.Raw("CLIENT_ERROR bad token in command line format\r\n"u8);
            return;
        }
        byte mode = Has('M') && FlagToken(r, 'M').Length == 1 ? FlagToken(r, 'M')[0] : (byte)'S';
        if (Has('M') && FlagToken(r, 'M').Length != 1) mode = 0;
        var db = MemcachedServerContext.Db;
        // I (invalidate mode) with C: a CAS older than the item's still stores, but the item stays stale.
        var casCondition = Has('I') ? SetCondition.IfCasMatchesOrStale : SetCondition.IfCasMatches;
        var condition = Has('C') ? casCondition : SetCondition.Always;
        ExecResult result;
        switch (mode)
        {
            case (byte)'S' or (byte)'s':
                result = Store.Execute(new SetCommand(db, _metaKey!, r.Value!, ExpiresAt(ttl), condition, ClientFlags: (uint)flags, ExpectedCas: (ulong)compare));
                break;
            case (byte)'E' or (byte)'e':
                result = Store.Execute(new SetCommand(db, _metaKey!, r.Value!, ExpiresAt(ttl), SetCondition.IfNotExists, ClientFlags: (uint)flags));
                break;
            case (byte)'R' or (byte)'r':
                result = Store.Execute(new SetCommand(db, _metaKey!, r.Value!, ExpiresAt(ttl), Has('C') ? casCondition : SetCondition.IfExists,
                    ClientFlags: (uint)flags, ExpectedCas: (ulong)compare));
                break;
            case (byte)'A' or (byte)'a' or (byte)'P' or (byte)'p':
                result = Store.Execute(new AppendCommand(db, _metaKey!, r.Value!, Prepend: mode is (byte)'P' or (byte)'p', MustExist: true));
                if (result.Status == ExecStatus.Missing && Has('N'))
                {
                    // Autovivify (protocol.txt: "if in append mode, autovivify on miss with supplied TTL"): the data
                    // becomes the item. memcached 1.6.18 answers NS here instead; docs/memcached.md records the choice.
                    TryFlagNumber(r, 'N', out long vivifyTtl);
                    result = Store.Execute(new SetCommand(db, _metaKey!, r.Value!, ExpiresAt(vivifyTtl), SetCondition.IfNotExists, ClientFlags: (uint)flags));
                    if (result.Status == ExecStatus.NotPerformed)
                    {
                        result = Store.Execute(new AppendCommand(db, _metaKey!, r.Value!, Prepend: mode is (byte)'P' or (byte)'p', MustExist: true));
                    }
                }
                // An append to a missing item is "not stored", as memcached says it.
                if (result.Status == ExecStatus.Missing) result = ExecResult.Of(ExecStatus.NotPerformed);
                break;
            default:
                Writer.Raw("CLIENT_ERROR invalid mode for ms M token\r\n"u8);
                return;
        }
        if (result.IsOk) Count(MemcachedStat.TotalItems);
        if (IsOutOfMemory(result))
        {
            Count(MemcachedStat.StoreNoMemory);
            Writer.Raw("SERVER_ERROR out of memory storing object\r\n"u8);
            return;
        }
        if (result.IsOk && Has('q')) return;
        Writer.Raw(result.Status switch
        {
            ExecStatus.Ok => "HD"u8,
            ExecStatus.CasMismatch => "EX"u8,
            ExecStatus.Missing => "NF"u8,
            _ => "NS"u8,
        });
        ReturnFlags(r, 3, result.Item, haveItem: result.IsOk && result.Item.Value is not null);
        Writer.EndLine();
    }

    private void MetaDelete(MemcachedRequest r)
    {
        if (!MetaArgsPresent(r, 2) || !ParseMeta(r, 2, MetaDeleteFlags)) return;
        long compare = 0, ttl = 0;
        if (Has('C') && !TryFlagNumber(r, 'C', out compare))
        {
            Writer.Raw("CLIENT_ERROR invalid or duplicate flag\r\n"u8);
            return;
        }
        if (Has('T') && !TryFlagNumber(r, 'T', out ttl))
        {
            Writer.Raw("CLIENT_ERROR invalid or duplicate flag\r\n"u8);
            return;
        }
        var key = _metaKey!;
        ExecStatus status;
        if (Has('I'))
        {
            // Invalidate: the item stays, marked stale, with a new CAS and (T) a new TTL; the next mg wins its lease.
            long expiresAt = Has('T') ? ExpiresAt(ttl) : 0;
            var expiry = !Has('T') ? GetExAction.None : expiresAt == 0 ? GetExAction.Persist : GetExAction.SetExpiry;
            status = Store.Execute(new InvalidateCommand(MemcachedServerContext.Db, key, expiry, expiresAt, Has('C'), (ulong)compare)).Status;
            if (status != ExecStatus.Ok) Count(MemcachedStat.DeleteMisses);
        }
        else if (Has('C'))
        {
            // A compare-and-delete: the version check and the delete must not interleave with another write.
            status = Store.Atomically(() =>
            {
                if (Store.TryGet(MemcachedServerContext.Db, key, out var current) != ReadStatus.Found) return ExecStatus.Missing;
                if (current.Cas != (ulong)compare) return ExecStatus.CasMismatch;
                Store.Execute(new DeleteCommand(MemcachedServerContext.Db, [key]));
                return ExecStatus.Ok;
            });
        }
        else
        {
            status = Store.Execute(new DeleteCommand(MemcachedServerContext.Db, [key])).Integer > 0 ? ExecStatus.Ok : ExecStatus.Missing;
        }
        if (!Has('I')) Count(status == ExecStatus.Ok ? MemcachedStat.DeleteHits : MemcachedStat.DeleteMisses);
        if (status == ExecStatus.Ok && Has('q')) return;
        Writer.Raw(status switch
        {
            ExecStatus.Ok => "HD"u8,
            ExecStatus.CasMismatch => "EX"u8,
            _ => "NF"u8,
        });
        ReturnFlags(r, 2, default, haveItem: false);
        Writer.EndLine();
    }

    private void MetaArithmetic(MemcachedRequest r)
    {
        if (!MetaArgsPresent(r, 2) || !ParseMeta(r, 2, MetaArithmeticFlags)) return;
        long vivifyTtl = 0, ttl = 0, compare = 0;
        ulong delta = 1, initial = 0;
        if ((Has('N') && !TryFlagNumber(r, 'N', out vivifyTtl)) || (Has('T') && !TryFlagNumber(r, 'T', out ttl))
            || (Has('C') && !TryFlagNumber(r, 'C', out compare))
            || (Has('J') && !MemcachedDecoder.TryParseUInt64(FlagToken(r, 'J'), out initial)))
        {
            Writer.Raw("CLIENT_ERROR invalid or duplicate flag\r\n"u8);
            return;
        }
        if (Has('D') && !MemcachedDecoder.TryParseUInt64(FlagToken(r, 'D'), out delta))
        {
            Writer.Raw("CLIENT_ERROR invalid or duplicate flag\r\n"u8);
            return;
        }
        bool decrement = false;
        if (Has('M'))
        {
            var m = FlagToken(r, 'M');
            if (m.Length != 1 || m[0] is not ((byte)'I' or (byte)'i' or (byte)'+' or (byte)'D' or (byte)'d' or (byte)'-'))
            {
                Writer.Raw("CLIENT_ERROR invalid mode for ma M token\r\n"u8);
                return;
            }
            decrement = m[0] is (byte)'D' or (byte)'d' or (byte)'-';
        }
        var key = _metaKey!;
        var db = MemcachedServerContext.Db;
        var mode = decrement ? IncrMode.MemcachedDecr : IncrMode.MemcachedIncr;
        ExecResult Apply()
        {
            var result = Store.Execute(new IncrByCommand(db, key, unchecked((long)delta), mode));
            if (result.Status == ExecStatus.Missing && Has('N'))
            {
                // Auto-create with the initial value (J) and the N TTL; a racing creator wins and we count on it.
                var created = Store.Execute(new SetCommand(db, key, System.Text.Encoding.ASCII.GetBytes(initial.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                    ExpiresAt(vivifyTtl), SetCondition.IfNotExists));
                if (created.IsOk) return new ExecResult { Status = ExecStatus.Ok, Integer = unchecked((long)initial), Item = created.Item };
                result = Store.Execute(new IncrByCommand(db, key, unchecked((long)delta), mode));
            }
            return result;
        }
        ExecResult outcome = Has('C')
            ? Store.Atomically(() =>
            {
                var status = Store.TryGet(db, key, out var current);
                if (status == ReadStatus.Found && current.Cas != (ulong)compare) return ExecResult.Of(ExecStatus.CasMismatch);
                return Apply();
            })
            : Apply();
        if (outcome.IsOk && Has('T'))
        {
            var touched = Store.Execute(new GetExCommand(db, key, ttl == 0 ? GetExAction.Persist : GetExAction.SetExpiry, ExpiresAt(ttl)));
            if (touched.IsOk && touched.Value is not null) outcome = outcome with { Item = touched.Item };
        }
        Count(decrement ? (outcome.IsOk ? MemcachedStat.DecrHits : MemcachedStat.DecrMisses) : (outcome.IsOk ? MemcachedStat.IncrHits : MemcachedStat.IncrMisses));
        switch (outcome.Status)
        {
            case ExecStatus.Ok:
                break;
            case ExecStatus.Missing:
                Writer.Raw("NF"u8);
                ReturnFlags(r, 2, default, haveItem: false);
                Writer.EndLine();
                return;
            case ExecStatus.CasMismatch:
                Writer.Raw("EX"u8);
                ReturnFlags(r, 2, default, haveItem: false);
                Writer.EndLine();
                return;
            default:
                Writer.Raw(IsOutOfMemory(outcome) ? "SERVER_ERROR out of memory\r\n"u8 : "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n"u8);
                return;
        }
        if (Has('q') && !Has('v')) return;
        Span<byte> digits = stackalloc byte[20];
        Utf8Formatter.TryFormat(unchecked((ulong)outcome.Integer), digits, out int length);
        if (Has('v'))
        {
            Writer.Raw("VA "u8);
            Writer.Number(length);
        }
        else
        {
            Writer.Raw("HD"u8);
        }
        ReturnFlags(r, 2, outcome.Item, haveItem: outcome.Item.Value is not null);
        Writer.EndLine();
        if (Has('v')) Writer.Data(digits[..length]);
    }

    private void MetaDebug(MemcachedRequest r)
    {
        if (!MetaArgsPresent(r, 2) || !ParseMeta(r, 2, Flags("b"))) return;
        // A metadata read: it neither refreshes the item nor marks it fetched nor counts as a hit.
        if (Store.TryGetItem(MemcachedServerContext.Db, _metaKey, ItemReadOptions.NoTouch | ItemReadOptions.NoStats, out var item, out var access)
            != ReadStatus.Found)
        {
            Writer.Raw("EN\r\n"u8);
            return;
        }
        Writer.Raw("ME "u8);
        Writer.Raw(r[1]);
        Writer.Line($" exp={TtlSeconds(item.ExpiresAt)} la={SecondsSince(access.LastAccessMs)} cas={item.Cas} fetch={(access.Fetched ? "yes" : "no")} cls=1 size={item.Value.Length}");
    }
}
