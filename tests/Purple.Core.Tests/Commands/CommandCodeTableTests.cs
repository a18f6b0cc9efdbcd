using Purple.Core.Commands;

namespace Purple.Core.Tests.Commands;

/// <summary>
/// The append-only guard of <see cref="CommandCode"/>: journals and Raft logs written by older versions
/// store these numbers. Add new codes to the table; never edit or remove a line.
/// </summary>
public class CommandCodeTableTests
{
    private static readonly (string Name, ushort Value)[] Expected =
    [
        ("Set", 1),
        ("Delete", 2),
        ("Expire", 3),
        ("Persist", 4),
        ("IncrBy", 5),
        ("Append", 6),
        ("MSet", 7),
        ("Rename", 8),
        ("SAdd", 9),
        ("SRem", 10),
        ("SPop", 11),
        ("FlushDb", 12),
        ("FlushAll", 13),
        ("GetDel", 14),
        ("GetEx", 15),
        ("Invalidate", 16),
        ("Lease", 17),
    ];

    [Fact]
    public void Every_pinned_code_keeps_its_name_and_number()
    {
        foreach (var (name, value) in Expected)
        {
            Assert.True(Enum.TryParse<CommandCode>(name, out var code), $"CommandCode.{name} was removed or renamed");
            Assert.Equal(value, (ushort)code);
        }
    }

    [Fact]
    public void Every_code_in_the_enum_is_pinned_here()
    {
        var pinned = Expected.ToDictionary(e => e.Name, e => e.Value);
        foreach (var name in Enum.GetNames<CommandCode>())
            Assert.True(pinned.ContainsKey(name), $"CommandCode.{name} is new: add it to CommandCodeTableTests.Expected");
        Assert.Equal(Expected.Length, Enum.GetValues<CommandCode>().Length);
    }

    [Fact]
    public void No_number_is_used_twice()
    {
        var values = Enum.GetValues<CommandCode>().Select(c => (ushort)c).ToList();
        Assert.Equal(values.Count, values.Distinct().Count());
    }
}
