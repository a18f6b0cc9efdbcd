namespace Purple.Core.Execution;

/// <summary>
/// Lets a thread that runs protocol code in batches (an epoll I/O loop, docs/storage.md "Who commits under always") do
/// the work its batch left owing itself, before it waits for more input — as Redis writes and fsyncs its AOF at the end
/// of each event-loop turn. Under <c>--fsync always</c> the journal defers its commit to such a thread instead of
/// waking its commit thread for every request: the batch's records go to disk in one transaction, and the replies that
/// releases are sent from this thread, with no hand-off to another.
/// Threading: all state is per thread; every member acts on the calling thread only.
/// </summary>
public static class BatchThread
{
    /// <summary>Rounds of paying before what is still owed goes to its owner's own thread.</summary>
    private const int MaxRounds = 8;

    [ThreadStatic] private static bool t_isBatchThread;
    [ThreadStatic] private static IBatchDebt? t_owed;

    /// <summary>True on a thread that has promised to call <see cref="PayDebts"/> after each batch, before it blocks.</summary>
    public static bool IsCurrent => t_isBatchThread;

    /// <summary>The calling thread promises to call <see cref="PayDebts"/> after each batch, before it blocks.</summary>
    public static void Enlist() => t_isBatchThread = true;

    /// <summary>
    /// Records that the calling batch thread owes <paramref name="debt"/>. The process has one journal, so one kind of
    /// debt at a time; a different one already owed is handed to its own thread at once.
    /// </summary>
    public static void Owe(IBatchDebt debt)
    {
        IBatchDebt? previous = t_owed;
        if (previous is not null && !ReferenceEquals(previous, debt)) previous.HandOff();
        t_owed = debt;
    }

    /// <summary>
    /// Pays what the batch owes. Paying can run more protocol code on this thread (released replies, then requests
    /// already buffered behind them), which can owe again: that is paid too, for a few rounds, and then handed off so
    /// that this thread goes back to its other connections.
    /// </summary>
    public static void PayDebts()
    {
        for (int round = 0; round < MaxRounds; round++)
        {
            IBatchDebt? owed = t_owed;
            if (owed is null) return;
            t_owed = null;
            try
            {
                owed.Pay();
            }
            catch
            {
                // Whatever is still owed must not wait for a batch that may never come.
                owed.HandOff();
                throw;
            }
        }
        if (t_owed is { } left)
        {
            t_owed = null;
            left.HandOff();
        }
    }
}

/// <summary>Work a batch thread owes (<see cref="BatchThread.Owe"/>).</summary>
public interface IBatchDebt
{
    /// <summary>Does the work on the calling thread. Must not wait for long on other threads.</summary>
    void Pay();

    /// <summary>Has the owner's own thread do the work instead; returns at once.</summary>
    void HandOff();
}
