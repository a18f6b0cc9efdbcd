using Purple.Core.Commands;
using Purple.Core.Execution;
using static Purple.Actors.Tests.T;

namespace Purple.Actors.Tests;

public class DeterminismTests
{
    [Fact]
    public void Replaying_the_same_commands_at_the_same_times_gives_the_same_state()
    {
        string Run()
        {
            var time = new FakeTime();
            var e = new PurpleEngine(new EngineOptions { Time = time, Eviction = EvictionPolicy.Lfu });
            var rng = new Random(99);
            long now = time.NowMs;
            for (int i = 0; i < 2000; i++)
            {
                var key = B("k" + rng.Next(30));
                WriteCommand command = rng.Next(5) switch
                {
                    0 => new SetCommand(0, key, B("v" + rng.Next(100)), rng.Next(2) == 0 ? 0 : now + rng.Next(1, 500)),
                    1 => new SAddCommand(0, B("s" + rng.Next(3)), [B("m" + rng.Next(50)), B("m" + rng.Next(50))]),
                    2 => new SPopCommand(0, B("s" + rng.Next(3)), rng.Next(-1, 3), (ulong)rng.NextInt64()),
                    3 => new IncrByCommand(0, B("n" + rng.Next(3)), rng.Next(10)),
                    _ => new RenameCommand(0, key, B("k" + rng.Next(30))),
                };
                e.Apply(command, now);
                now += rng.Next(3);
            }
            var keys = e.Keys(0, B("*")).Select(S).Order().ToList();
            var dump = keys.Select(k =>
            {
                string value = e.TryGet(0, B(k), out var item) == ReadStatus.Found
                    ? $"{S(item.Value)}@{item.ExpiresAt}#{item.Cas}"
                    : (e.SetMembers(0, B(k), out var m) == ReadStatus.Found ? string.Join(",", m.Select(S).Order()) : "?");
                return $"{k}={value}";
            });
            return string.Join(";", dump) + "|" + e.UsedBytes;
        }
        Assert.Equal(Run(), Run());
    }
}
