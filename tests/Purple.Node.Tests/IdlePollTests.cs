using Purple.Node.Transport;

namespace Purple.Node.Tests;

/// <summary>
/// The I/O loop's polling rule, driven with made-up times (1 tick = 1 µs here): the window adapts to the idle spells
/// the loop sees, polling needs credit that only work earns, and so a loop never polls longer than it worked.
/// </summary>
public sealed class IdlePollTests
{
    private const long Max = 50;

    private static IdlePoll Poll() => new(Max, ticksPerSecond: 1_000_000);

    [Fact]
    public void Nothing_is_granted_before_a_short_idle_spell_has_been_seen_or_without_credit()
    {
        var poll = Poll();
        Assert.True(poll.Enabled);
        Assert.Equal(10, poll.BaseTicks);
        poll.Worked(1_000);
        Assert.Equal(0, poll.Grant());   // no window yet
        poll.Idled(0, 30);               // a 30 µs spell: a window would have caught it
        Assert.Equal(10, poll.WindowTicks);
        Assert.Equal(10, poll.Grant());

        var broke = Poll();
        broke.Idled(0, 30);
        Assert.Equal(10, broke.WindowTicks);
        Assert.Equal(0, broke.Grant());   // a window, but no work has paid for it
    }

    [Fact]
    public void The_window_doubles_up_to_the_maximum_while_spells_are_short_and_drops_to_nothing_after_a_long_one()
    {
        var poll = Poll();
        poll.Worked(10_000);
        foreach (long window in new long[] { 10, 20, 40, 50 })
        {
            Spell(poll, 45);   // the poll, if any, missed it: the loop slept, and work came 45 µs after the batch
            Assert.Equal(window, poll.WindowTicks);
        }
        Assert.Equal(45, Spell(poll, 45));   // within the 50 µs window now: caught, and the window stays
        Assert.Equal(50, poll.WindowTicks);
        Spell(poll, 5_000);                  // requests 5 ms apart: polling would only burn CPU
        Assert.Equal(0, poll.WindowTicks);
        Assert.Equal(0, poll.Grant());
    }

    /// <summary>An idle spell of <paramref name="idle"/> µs: the loop polls what it is granted, or until work comes.</summary>
    private static long Spell(IdlePoll poll, long idle)
    {
        long spent = Math.Min(poll.Grant(), idle);
        poll.Idled(spent, idle);
        return spent;
    }

    [Fact]
    public void Polling_spends_credit_and_credit_is_capped_at_four_windows()
    {
        var poll = Poll();
        poll.Worked(1_000_000);
        Assert.Equal(4 * Max, poll.CreditTicks);
        poll.Idled(0, 30);
        Spell(poll, 30);                // window 10: missed again, so 20
        Assert.Equal(4 * Max - 10, poll.CreditTicks);
        poll.Worked(-5);                // a clock that went backwards earns nothing
        Assert.Equal(4 * Max - 10, poll.CreditTicks);
    }

    [Fact]
    public void Switched_off_it_never_grants_anything()
    {
        var poll = new IdlePoll(0, 1_000_000);
        Assert.False(poll.Enabled);
        poll.Worked(10_000);
        poll.Idled(0, 5);
        Assert.Equal(0, poll.Grant());
    }

    /// <summary>
    /// A loop simulated over random work and idle spells, short and long: whatever the pattern, the time spent polling
    /// never exceeds the time spent working (the bound the docs promise; with little work per batch it is what stops
    /// the polls), and when spells are mostly short and batches do real work, the polls catch most of them.
    /// </summary>
    [Theory]
    [InlineData(1, 0.95, 40)]
    [InlineData(2, 0.95, 6)]
    [InlineData(3, 0.5, 40)]
    [InlineData(4, 0.05, 40)]
    public void Polling_never_costs_more_than_the_work_and_catches_short_spells(int seed, double shareShort, int maxWork)
    {
        var random = new Random(seed);
        var poll = Poll();
        long worked = 0, polled = 0, caught = 0, shortSpells = 0;
        for (int i = 0; i < 100_000; i++)
        {
            long work = random.Next(1, maxWork);
            poll.Worked(work);
            worked += work;
            bool isShort = random.NextDouble() < shareShort;
            long idle = isShort ? random.Next(1, 45) : random.Next(60, 10_000);
            if (isShort) shortSpells++;
            if (poll.Grant() >= idle) caught++;
            polled += Spell(poll, idle);
            Assert.True(polled <= worked, $"step {i}: polled {polled} µs after working {worked} µs");
        }
        if (shareShort > 0.9 && maxWork > 20) Assert.True(caught > shortSpells * 0.6, $"caught {caught} of {shortSpells} short spells");
        if (shareShort > 0.9 && maxWork < 10) Assert.True(polled > worked / 2, $"polled only {polled} µs of the {worked} µs of work it could have");
        if (shareShort < 0.1) Assert.True(polled < worked / 4, $"polled {polled} µs for {worked} µs of work, with nearly every spell long");
    }
}
