using System.Buffers.Text;
using Purple.Core.Commands;
using Purple.Core.Execution;

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

    private static readonly ulong MetaGetFlags = Flags("bcfkOqstvNT");
    private static readonly ulong MetaSetFlags = Flags("bcCFkOqsSTMN");
    private static readonly ulong MetaDeleteFlags = Flags("bCkOq");
    private static readonly ulong MetaArithmeticFlags = Flags("bcCkOqtvNJDTM");

    private bool Has(char flag) => (_flagMask & (1UL << (flag - 'A'))) != 0;

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
            if (bit < 0 || bit >= 58 || (allowed & (1UL << bit)) == 0)
            {
                Writer.Raw("CLIENT_ERROR invalid flag\r\n"u8);
                return false;
            }
            if ((_flagMask & (1UL << bit)) != 0)
            {
                Writer.Raw("CLIENT_ERROR duplicate flag\r\n"u8);
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

    /// <summary>The return flags every meta command shares (k, O, b), plus c/f/s/t when asked and known.</summary>
    private void ReturnFlags(MemcachedRequest r, int first, in StringItem item, bool haveItem)
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
                case (byte)'s' when haveItem:
                    Writer.MetaFlag((byte)'s', (long)item.Value.Length);
                    break;
                case (byte)'t' when haveItem:
                    Writer.MetaFlag((byte)'t', TtlSeconds(item.ExpiresAt));
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

    private void MetaGet(MemcachedRequest r)
    {
        if (!MetaArgsPresent(r, 2) || !ParseMeta(r, 2, MetaGetFlags)) return;
        Count(MemcachedStat.CmdGet);
        long ttl = 0;
        if ((Has('T') && !TryFlagNumber(r, 'T', out ttl)) || (Has('N') && !TryFlagNumber(r, 'N', out _)))
        {
            Writer.Raw("CLIENT_ERROR bad token in command line format\r\n"u8);
            return;
        }
        StringItem item;
        bool hit;
        bool won = false;
        if (Has('T'))
        {
            Count(MemcachedStat.CmdTouch);
            hit = TouchKey(_metaKey!, ExpiresAt(ttl), out item);
            Count(hit ? MemcachedStat.TouchHits : MemcachedStat.TouchMisses);
        }
        else
        {
            hit = Store.TryGet(MemcachedServerContext.Db, _metaKey, out item) == ReadStatus.Found;
        }
        if (!hit && Has('N'))
        {
            // Vivify on miss: an empty item with the N TTL, and this client is told it should fill it (W).
            TryFlagNumber(r, 'N', out long vivifyTtl);
            var created = Store.Execute(new SetCommand(MemcachedServerContext.Db, _metaKey!, [], ExpiresAt(vivifyTtl), SetCondition.IfNotExists));
            if (created.IsOk)
            {
                hit = true;
                won = true;
                item = created.Item;
            }
            else
            {
                hit = Store.TryGet(MemcachedServerContext.Db, _metaKey, out item) == ReadStatus.Found;
            }
        }
        if (!hit)
        {
            Count(MemcachedStat.GetMisses);
            if (!Has('q'))
            {
                Writer.Raw("EN"u8);
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
        ReturnFlags(r, 2, item, haveItem: true);
        if (won) Writer.Raw(" W"u8);
        Writer.EndLine();
        if (Has('v')) Writer.Data(item.Value);
    }

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
        var condition = Has('C') ? SetCondition.IfCasMatches : SetCondition.Always;
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
                result = Store.Execute(new SetCommand(db, _metaKey!, r.Value!, ExpiresAt(ttl), Has('C') ? SetCondition.IfCasMatches : SetCondition.IfExists,
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
                Writer.Raw("CLIENT_ERROR invalid mode for ms STORE\r\n"u8);
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
        long compare = 0;
        if (Has('C') && !TryFlagNumber(r, 'C', out compare))
        {
            Writer.Raw("CLIENT_ERROR bad token in command line format\r\n"u8);
            return;
        }
        var key = _metaKey!;
        ExecStatus status;
        if (Has('C'))
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
        Count(status == ExecStatus.Ok ? MemcachedStat.DeleteHits : MemcachedStat.DeleteMisses);
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
            Writer.Raw("CLIENT_ERROR bad token in command line format\r\n"u8);
            return;
        }
        if (Has('D') && !MemcachedDecoder.TryParseUInt64(FlagToken(r, 'D'), out delta))
        {
            Writer.Raw("CLIENT_ERROR invalid numeric delta argument\r\n"u8);
            return;
        }
        bool decrement = false;
        if (Has('M'))
        {
            var m = FlagToken(r, 'M');
            if (m.Length != 1 || m[0] is not ((byte)'I' or (byte)'i' or (byte)'+' or (byte)'D' or (byte)'d' or (byte)'-'))
            {
                Writer.Raw("CLIENT_ERROR invalid mode for ma MODE\r\n"u8);
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
        if (Store.TryGet(MemcachedServerContext.Db, _metaKey, out var item) != ReadStatus.Found)
        {
            Writer.Raw("EN\r\n"u8);
            return;
        }
        Writer.Raw("ME "u8);
        Writer.Raw(r[1]);
        Writer.Line($" exp={TtlSeconds(item.ExpiresAt)} la=0 cas={item.Cas} fetch=no cls=1 size={item.Value.Length}");
    }
}
