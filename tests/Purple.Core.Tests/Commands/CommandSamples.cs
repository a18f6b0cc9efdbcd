using System.Collections;
using System.Reflection;
using Purple.Core.Commands;

namespace Purple.Core.Tests.Commands;

/// <summary>Edge-value instances of every write record, shared by the codec tests.</summary>
internal static class CommandSamples
{
    private static readonly byte[] Empty = [];
    private static readonly byte[] AllBytes = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
    private static readonly byte[] Binary = [0x00, 0xFF, 0x0D, 0x0A, 0x80, 0x7F];

    private static byte[][] Many(int n) => Enumerable.Range(0, n).Select(i => BitConverter.GetBytes(i * 7919)).ToArray();

    public static IReadOnlyList<WriteCommand> All { get; } =
    [
        new SetCommand(0, "k"u8.ToArray(), "v"u8.ToArray()),
        new SetCommand(15, Empty, Empty),
        new SetCommand(int.MaxValue, AllBytes, Binary, long.MaxValue, SetCondition.IfCasMatches,
            SetOptions.KeepTtl | SetOptions.ReturnOld, uint.MaxValue, "application/json; charset=utf-8", ulong.MaxValue),
        new SetCommand(int.MinValue, Binary, AllBytes, long.MinValue, SetCondition.IfNotExists, SetOptions.ReturnOld, 1, "", 1),
        new SetCommand(-1, Binary, new byte[70_000], -1, SetCondition.IfExists, SetOptions.KeepTtl, 0x80000000, "téxt/π ☃ 😀", 0x8000000000000000),
        new DeleteCommand(0, []),
        new DeleteCommand(3, [Empty]),
        new DeleteCommand(1, Many(1000)),
        new ExpireCommand(0, "k"u8.ToArray(), 0),
        new ExpireCommand(2, Binary, long.MaxValue, ExpireCondition.LT),
        new ExpireCommand(2, Empty, long.MinValue, ExpireCondition.NX),
        new ExpireCommand(3, Binary, 1, ExpireCondition.XXLT),
        new PersistCommand(0, Empty),
        new PersistCommand(7, AllBytes),
        new IncrByCommand(0, "n"u8.ToArray(), 1),
        new IncrByCommand(0, "n"u8.ToArray(), long.MinValue),
        new IncrByCommand(9, Binary, long.MaxValue, IncrMode.MemcachedIncr),
        new IncrByCommand(9, Binary, -1, IncrMode.MemcachedDecr),
        new AppendCommand(0, "k"u8.ToArray(), Empty),
        new AppendCommand(1, Binary, AllBytes, Prepend: true, MustExist: true),
        new AppendCommand(1, Empty, Binary, Prepend: false, MustExist: true),
        new MSetCommand(0, [], []),
        new MSetCommand(0, [Empty], [Empty], OnlyIfNoneExist: true),
        new MSetCommand(4, Many(500), Many(500).Reverse().ToArray()),
        new RenameCommand(0, "a"u8.ToArray(), "b"u8.ToArray()),
        new RenameCommand(0, Empty, Binary, OnlyIfTargetMissing: true),
        new SAddCommand(0, "s"u8.ToArray(), []),
        new SAddCommand(0, "s"u8.ToArray(), [Empty, Binary, AllBytes]),
        new SAddCommand(1, Empty, Many(2000)),
        new SRemCommand(0, "s"u8.ToArray(), [Binary]),
        new SRemCommand(5, AllBytes, Many(300)),
        new SPopCommand(0, "s"u8.ToArray(), -1, 0),
        new SPopCommand(0, Binary, long.MaxValue, ulong.MaxValue),
        new SPopCommand(0, Empty, long.MinValue, 12345),
        new FlushDbCommand(0),
        new FlushDbCommand(int.MaxValue),
        new FlushAllCommand(),
        new GetDelCommand(0, "k"u8.ToArray()),
        new GetDelCommand(-5, Empty),
        new GetExCommand(0, "k"u8.ToArray(), GetExAction.None),
        new GetExCommand(0, Binary, GetExAction.SetExpiry, long.MaxValue),
        new GetExCommand(0, Empty, GetExAction.Persist, long.MinValue),
        new SetCommand(0, "k"u8.ToArray(), Binary, 0, SetCondition.IfCasMatchesOrStale, ExpectedCas: 42),
        new InvalidateCommand(0, "k"u8.ToArray()),
        new InvalidateCommand(-3, Binary, GetExAction.SetExpiry, long.MaxValue, CompareCas: true, ExpectedCas: ulong.MaxValue),
        new InvalidateCommand(int.MaxValue, Empty, GetExAction.Persist, long.MinValue, CompareCas: true, ExpectedCas: 0),
        new LeaseCommand(0, "k"u8.ToArray()),
        new LeaseCommand(1, Binary, GetExAction.SetExpiry, long.MaxValue, Vivify: true, VivifyExpiresAt: long.MinValue, RecacheBefore: long.MaxValue, RecacheAfterExpiry: true),
        new LeaseCommand(int.MinValue, AllBytes, GetExAction.Persist, -1, Vivify: false, VivifyExpiresAt: 1, RecacheBefore: -1),
    ];

    /// <summary>Samples small enough to truncate at every byte without the test taking seconds.</summary>
    public static IEnumerable<WriteCommand> Small => All.Where(c => CommandCodec.ToArray(c).Length <= 4096);

    public static IEnumerable<Type> RecordTypes =>
        typeof(WriteCommand).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(WriteCommand)) && !t.IsAbstract);

    /// <summary>Field-by-field equality that looks inside byte arrays (records compare arrays by reference).</summary>
    public static void AssertSameCommand(WriteCommand expected, WriteCommand actual)
    {
        Assert.Equal(expected.GetType(), actual.GetType());
        foreach (var property in expected.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            object? e = property.GetValue(expected), a = property.GetValue(actual);
            switch (e)
            {
                case byte[] bytes:
                    Assert.True(bytes.AsSpan().SequenceEqual((byte[])a!), $"{property.Name} differs");
                    break;
                case byte[][] arrays:
                    var actualArrays = (byte[][])a!;
                    Assert.Equal(arrays.Length, actualArrays.Length);
                    for (int i = 0; i < arrays.Length; i++)
                        Assert.True(arrays[i].AsSpan().SequenceEqual(actualArrays[i]), $"{property.Name}[{i}] differs");
                    break;
                case IEnumerable and not string:
                    throw new InvalidOperationException($"Compare {property.Name} explicitly");
                default:
                    Assert.Equal(e, a);
                    break;
            }
        }
    }
}
