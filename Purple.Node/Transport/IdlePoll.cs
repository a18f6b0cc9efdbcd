namespace Purple.Node.Transport;

/// <summary>
/// How long an I/O loop keeps polling its epoll set, once a batch is done, before it sleeps in <c>epoll_wait</c>.
/// Waking a sleeping thread costs the next request a scheduler wake-up (tens of µs on a virtual machine), and the
/// wake-up lands on whatever core sent the request, preempting the client there; a loop still polling answers at
/// once (docs/performance.md, "Polling before sleeping"). Two rules keep the polling from costing much:
/// <list type="bullet">
/// <item>It adapts, as KVM's halt polling does: the window grows (from <see cref="BaseTicks"/>, doubling, up to the
/// maximum) after an idle spell that a longer window would have caught, and falls to nothing after one that was
/// longer than the maximum, so a loop whose requests come far apart sleeps at once.</item>
/// <item>It is paid for by work: polling spends credit that only the loop's busy time earns, one for one, so polling
/// at most doubles the CPU a loop uses, and an idle server uses none.</item>
/// </list>
/// Not thread-safe: each loop owns one and uses it from its own thread. Times are <see cref="System.Diagnostics.Stopwatch"/> ticks.
/// </summary>
internal sealed class IdlePoll
{
    private readonly long _maxTicks;
    private readonly long _creditCapTicks;
    private long _windowTicks;
    private long _creditTicks;

    /// <param name="maxTicks">The longest window; zero switches polling off.</param>
    /// <param name="ticksPerSecond">The clock's frequency, which fixes <see cref="BaseTicks"/> (10 µs).</param>
    public IdlePoll(long maxTicks, long ticksPerSecond)
    {
        _maxTicks = Math.Max(0, maxTicks);
        BaseTicks = Math.Min(_maxTicks, Math.Max(1, ticksPerSecond / 100_000));
        // Enough credit for a few full windows, so a burst of work pays for the polls between the next few batches,
        // and never more, so a long busy spell does not buy a long idle spin.
        _creditCapTicks = _maxTicks * 4;
    }

    public bool Enabled => _maxTicks > 0;

    /// <summary>The first window after a short idle spell: 10 µs, or the maximum if that is less.</summary>
    public long BaseTicks { get; }

    /// <summary>The current window (for tests).</summary>
    public long WindowTicks => _windowTicks;

    /// <summary>Credit left (for tests).</summary>
    public long CreditTicks => _creditTicks;

    /// <summary>A batch took this long: it earns as much polling.</summary>
    public void Worked(long ticks)
    {
        if (ticks > 0) _creditTicks = Math.Min(_creditCapTicks, _creditTicks + ticks);
    }

    /// <summary>How long to poll now: the window, if the credit covers it, else nothing (a poll too short to reach the
    /// next request would only waste the credit).</summary>
    public long Grant() => _windowTicks > 0 && _creditTicks >= _windowTicks ? _windowTicks : 0;

    /// <summary>
    /// The idle spell ended: <paramref name="polledTicks"/> were spent polling, and the whole spell, polling and any
    /// sleep after it, lasted <paramref name="idleTicks"/>.
    /// </summary>
    public void Idled(long polledTicks, long idleTicks)
    {
        _creditTicks = Math.Max(0, _creditTicks - Math.Max(0, polledTicks));
        if (idleTicks <= _windowTicks) return;   // the poll caught it: the window is right
        _windowTicks = idleTicks <= _maxTicks
            ? Math.Min(_maxTicks, Math.Max(BaseTicks, _windowTicks * 2))   // a longer window would have caught it
            : 0;                                                          // requests this far apart: just sleep
    }
}
