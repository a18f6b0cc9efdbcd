using System.Buffers;

namespace Purple.Protocols.Resp;

internal static partial class RespCommands
{
    private const RespCommandFlags TransactionFlags = RespCommandFlags.NoScript | RespCommandFlags.Loading | RespCommandFlags.Stale | RespCommandFlags.Fast | RespCommandFlags.NoQueue;

    internal static IEnumerable<RespCommandSpec> TransactionCommands() =>
    [
        new() { Name = "multi", Arity = 1, Flags = TransactionFlags, Group = "transactions", Summary = "Starts a transaction.",
            Handler = Multi, AclCategories = ["@fast", "@transaction"] },
        new() { Name = "exec", Arity = 1, Flags = RespCommandFlags.NoScript | RespCommandFlags.Loading | RespCommandFlags.Stale | RespCommandFlags.NoQueue,
            Group = "transactions", Summary = "Executes all commands in a transaction.", Complexity = "Depends on commands in the transaction",
            Handler = Exec, AclCategories = ["@slow", "@transaction"] },
        new() { Name = "discard", Arity = 1, Flags = TransactionFlags, Group = "transactions", Summary = "Discards a transaction.",
            Complexity = "O(N), when N is the number of queued commands", Handler = Discard, AclCategories = ["@fast", "@transaction"] },
        new() { Name = "watch", Arity = -2, Flags = TransactionFlags, FirstKey = 1, LastKey = -1, Step = 1, Group = "transactions", Since = "2.2.0",
            Summary = "Monitors changes to keys to determine the execution of a transaction.", Complexity = "O(1) for every key.",
            Syntax = "key [key ...]", Handler = Watch, AclCategories = ["@fast", "@transaction"] },
        new() { Name = "unwatch", Arity = 1, Flags = TransactionFlags, Group = "transactions", Since = "2.2.0",
            Summary = "Forgets about watched keys of a transaction.", Handler = (s, a, w) => { s.ClearWatches(); w.Ok(); }, AclCategories = ["@fast", "@transaction"] },
    ];

    private static void Multi(RespSession s, RespCommandArgs a, RespWriter w)
    {
        if (s.Transaction is not null)
        {
            w.Error("ERR MULTI calls can not be nested");
            return;
        }
        s.Transaction = new RespTransaction();
        w.Ok();
    }

    private static void Discard(RespSession s, RespCommandArgs a, RespWriter w)
    {
        if (s.Transaction is null)
        {
            w.Error("ERR DISCARD without MULTI");
            return;
        }
        s.Transaction = null;
        s.ClearWatches();
        w.Ok();
    }

    private static void Watch(RespSession s, RespCommandArgs a, RespWriter w)
    {
        if (s.Transaction is not null)
        {
            w.Error("ERR WATCH inside MULTI is not allowed");
            return;
        }
        for (int i = 1; i < a.Count; i++) s.Watch(s.Store.Watch(s.Db, a.ToArray(i)));
        w.Ok();
    }

    private static void Exec(RespSession s, RespCommandArgs a, RespWriter w)
    {
        var transaction = s.Transaction;
        if (transaction is null)
        {
            w.Error("ERR EXEC without MULTI");
            return;
        }
        s.Transaction = null;
        if (transaction.Poisoned)
        {
            s.ClearWatches();
            w.Error(RespErrors.ExecAbort);
            return;
        }
        try
        {
            Run(s, transaction, w);
        }
        finally
        {
            s.ClearWatches();
        }
    }

    private static void Run(RespSession s, RespTransaction transaction, RespWriter w)
    {
        var watched = s.Watched;
        // Every shard is held for the whole transaction: the WATCH check and the queued commands see
        // (and leave) one consistent state, and no other client's command interleaves.
        s.Store.Atomically(() =>
        {
            if (watched is not null)
            {
                foreach (var watch in watched)
                {
                    if (watch.Changed())
                    {
                        w.NullArray();
                        return 0;
                    }
                }
            }
            w.ArrayHeader(transaction.Count);
            var args = new RespCommandArgs();
            foreach (var (spec, frame) in transaction.Commands)
            {
                RespRequestParser.TryParse(new ReadOnlySequence<byte>(frame), args, s.Server.Limits, out _, out _);
                s.Run(spec, args, w);
            }
            return 0;
        });
    }
}
