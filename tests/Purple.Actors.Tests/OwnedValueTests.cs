using Purple.Actors.Storage;
using Purple.Core;
using Purple.Core.Commands;
using Purple.Core.Execution;
using static Purple.Actors.Tests.T;

namespace Purple.Actors.Tests;

/// <summary>
/// A write copies into a string's array in place only while no one else can hold it (Entry.OwnsBytes): every array the
/// engine hands out — to a reader, a snapshot, a journal record, a SET's GET — keeps its bytes whatever is written after.
/// </summary>
public class OwnedValueTests
{
    private static readonly string[] Values = ["aaaa", "bbbb", "cccc", "dddd"];

    private static void Overwrite(PurpleEngine e, string key)
    {
        foreach (var value in Values) e.Set(key, value);
    }

    [Fact]
    public void A_value_read_keeps_its_bytes_after_same_length_overwrites()
    {
        var e = Engine();
        e.Set("k", "1111");
        e.Set("k", "2222");
        Assert.Equal(ReadStatus.Found, e.TryGet(0, B("k"), out var item));
        Overwrite(e, "k");
        Assert.Equal("2222", S(item.Value));
        Assert.Equal("dddd", e.Get("k"));
    }

    [Fact]
    public void An_item_read_for_memcached_keeps_its_bytes()
    {
        var e = Engine();
        e.Set("k", "1111");
        e.Set("k", "2222");
        Assert.Equal(ReadStatus.Found, e.TryGetItem(0, B("k"), ItemReadOptions.None, out var item, out _));
        Overwrite(e, "k");
        Assert.Equal("2222", S(item.Value));
    }

    [Fact]
    public void Values_of_a_multi_get_keep_their_bytes()
    {
        var e = Engine();
        e.Execute(new MSetCommand(0, [B("a"), B("b")], [B("1111"), B("2222")], false));
        e.Execute(new MSetCommand(0, [B("a"), B("b")], [B("3333"), B("4444")], false));
        var values = e.GetMany(0, [B("a"), B("b")]);
        e.Execute(new MSetCommand(0, [B("a"), B("b")], [B("5555"), B("6666")], false));
        Assert.Equal(["3333", "4444"], values.Select(S));
        Assert.Equal(["5555", "6666"], e.GetMany(0, [B("a"), B("b")]).Select(S));
    }

    [Fact]
    public void The_old_value_a_set_returns_keeps_its_bytes()
    {
        var e = Engine();
        e.Set("k", "1111");
        e.Set("k", "2222");
        var result = e.Execute(new SetCommand(0, B("k"), B("3333"), Options: SetOptions.ReturnOld));
        Overwrite(e, "k");
        Assert.Equal("2222", S(result.Value));
    }

    [Fact]
    public void A_command_array_is_never_written_by_later_writes()
    {
        // A journal or a reply may still hold the command: the engine keeps a copy, not the command's array.
        var e = Engine();
        var first = B("1111");
        var result = e.Execute(new SetCommand(0, B("k"), first));
        var second = B("2222");
        e.Execute(new SetCommand(0, B("k"), second));
        var values = new[] { B("3333"), B("4444") };
        e.Execute(new MSetCommand(0, [B("k"), B("m")], values, false));
        Overwrite(e, "k");
        Overwrite(e, "m");
        Assert.Equal("1111", S(first));
        Assert.Equal("1111", S(result.Item.Value));
        Assert.Equal("2222", S(second));
        Assert.Equal(["3333", "4444"], values.Select(S));
    }

    [Fact]
    public void A_snapshot_keeps_the_bytes_it_captured_and_the_entry_keeps_its_own()
    {
        var e = Engine();
        e.Set("k", "1111");
        e.Set("k", "2222");
        e.Set("m", "1111");
        e.Set("m", "2222");
        using (var image = e.CaptureImage(() => 1))
        {
            // "k" is overwritten before the image is read, "m" after: both must read as they were at the point.
            Overwrite(e, "k");
            var entries = image.Entries.ToList();
            Overwrite(e, "m");
            Assert.Equal(["k=2222", "m=2222"], entries.Select(x => $"{S(x.Key)}={S(x.String)}").Order());
        }
        // The image took copies, so the entries still own their arrays and later overwrites stay in place.
        Assert.True(((Entry)e.FindEntryForTest(0, B("m"))!).OwnsBytes);
        Assert.True(((Entry)e.FindEntryForTest(0, B("k"))!).OwnsBytes);
    }

    [Fact]
    public void Overwrites_in_place_keep_memory_accounting_exact_and_metadata_right()
    {
        var e = Engine();
        e.Set("k", "1111");
        long used = e.UsedBytes;
        Overwrite(e, "k");
        Assert.Equal(used, e.UsedBytes);
        // memcached flags move the string into a holder; a plain write of the same length after it is plain again.
        e.Execute(new SetCommand(0, B("k"), B("5555"), ClientFlags: 7));
        Assert.Equal(ReadStatus.Found, e.TryGetItem(0, B("k"), ItemReadOptions.None, out var flagged, out _));
        Assert.Equal(7u, flagged.ClientFlags);
        Overwrite(e, "k");
        Assert.Equal(ReadStatus.Found, e.TryGetItem(0, B("k"), ItemReadOptions.None, out var plain, out _));
        Assert.Equal(0u, plain.ClientFlags);
        Assert.Equal("dddd", S(plain.Value));
        Assert.Equal("5555", S(flagged.Value));
        Assert.Equal(used, e.UsedBytes);
        e.Set("k", "longer value");
        Assert.Equal(used + "longer value".Length - 4, e.UsedBytes);
    }

    [Fact]
    public void Each_write_of_a_key_still_gets_a_new_cas()
    {
        var e = Engine();
        var casValues = new HashSet<ulong>();
        for (int i = 0; i < 5; i++) casValues.Add(e.Set("k", "abcd").Item.Cas);
        Assert.Equal(5, casValues.Count);
    }

    [Fact]
    public void A_counter_written_in_place_keeps_every_value_handed_out()
    {
        var e = Engine();
        e.Set("n", "10");
        var first = e.Execute(new IncrByCommand(0, B("n"), 1));
        var second = e.Execute(new IncrByCommand(0, B("n"), 1));
        Assert.Equal(ReadStatus.Found, e.TryGet(0, B("n"), out var read));
        e.Execute(new IncrByCommand(0, B("n"), 1));
        e.Execute(new IncrByCommand(0, B("n"), 1));
        Assert.Equal(["11", "12", "12"], new[] { first.Item.Value, second.Item.Value, read.Value }.Select(S));
        Assert.Equal("14", e.Get("n"));
        e.Execute(new IncrByCommand(0, B("n"), 100));
        Assert.Equal("114", e.Get("n"));
        long used = e.UsedBytes;
        e.Execute(new IncrByCommand(0, B("n"), 1));
        Assert.Equal(used, e.UsedBytes);
    }

    [Fact]
    public void A_string_with_flags_or_a_content_type_is_overwritten_in_place_only_with_the_same_metadata()
    {
        var e = Engine();
        e.Execute(new SetCommand(0, B("k"), B("1111"), ClientFlags: 7));
        e.Execute(new SetCommand(0, B("k"), B("2222"), ClientFlags: 7));
        Assert.Equal(ReadStatus.Found, e.TryGetItem(0, B("k"), ItemReadOptions.None, out var read, out _));
        e.Execute(new SetCommand(0, B("k"), B("3333"), ClientFlags: 7));
        e.Execute(new SetCommand(0, B("k"), B("4444"), ClientFlags: 9));
        e.Execute(new SetCommand(0, B("k"), B("5555"), ContentType: "text/plain"));
        long used = e.UsedBytes;
        e.Execute(new SetCommand(0, B("k"), B("6666"), ContentType: "text/plain"));
        Assert.Equal(used, e.UsedBytes);
        Assert.Equal("2222", S(read.Value));
        Assert.Equal(7u, read.ClientFlags);
        Assert.Equal(ReadStatus.Found, e.TryGetItem(0, B("k"), ItemReadOptions.None, out var now, out _));
        Assert.Equal(("6666", 0u, "text/plain"), (S(now.Value), now.ClientFlags, now.ContentType));
        e.Execute(new SetCommand(0, B("k"), B("7777"), ClientFlags: 3));
        e.Execute(new IncrByCommand(0, B("k"), 1, IncrMode.MemcachedIncr));
        Assert.Equal(ReadStatus.Found, e.TryGetItem(0, B("k"), ItemReadOptions.None, out var counted, out _));
        Assert.Equal(("7778", 3u), (S(counted.Value), counted.ClientFlags));
    }

    [Fact]
    public void A_read_into_a_callback_sees_the_value_and_the_status_of_get()
    {
        var e = Engine();
        e.Set("k", "1111");
        e.Set("k", "2222");
        string? seen = null;
        Assert.Equal(ReadStatus.Found, e.ReadString(0, B("k"), "state", (value, state) => seen = S(value.ToArray()) + "/" + state));
        Assert.Equal("2222/state", seen);
        e.SAdd("s", "x");
        seen = null;
        Assert.Equal(ReadStatus.WrongType, e.ReadString(0, B("s"), "state", (value, state) => seen = "called"));
        Assert.Equal(ReadStatus.Missing, e.ReadString(0, B("none"), "state", (value, state) => seen = "called"));
        Assert.Null(seen);
        // Hits and misses are counted as GET counts them.
        var before = e.GetStats();
        e.ReadString(0, B("k"), "state", (_, _) => { });
        e.ReadString(0, B("none"), "state", (_, _) => { });
        var afterRead = e.GetStats();
        e.TryGet(0, B("k"), out _);
        e.TryGet(0, B("none"), out _);
        var afterGet = e.GetStats();
        Assert.Equal((1, 1), (afterRead.Hits - before.Hits, afterRead.Misses - before.Misses));
        Assert.Equal((1, 1), (afterGet.Hits - afterRead.Hits, afterGet.Misses - afterRead.Misses));
    }

    [Fact]
    public void Recovery_keeps_the_decoders_arrays_as_the_entries_own_instead_of_copying_them()
    {
        var e = Engine();
        var replayed = B("1111");
        var inMSet = B("2222");
        var loaded = B("3333");
        e.Replay(new SetCommand(0, B("r"), replayed), 1);
        e.Replay(new MSetCommand(0, [B("m")], [inMSet], false), 1);
        e.Load([new ImageEntry(0, B("l"), loaded, null, 0, 7, null)], 1);
        var executed = B("4444");
        e.Execute(new SetCommand(0, B("x"), executed));

        Entry Find(string key) => (Entry)e.FindEntryForTest(0, B(key))!;
        Assert.Same(replayed, Find("r").Value);
        Assert.Same(inMSet, Find("m").Value);
        Assert.Same(loaded, ((FlaggedString)Find("l").Value).Bytes);
        foreach (var key in (string[])["r", "m", "l", "x"]) Assert.True(Find(key).OwnsBytes, key);
        // A live write is still copied: its command may be held by a journal or a reply.
        Assert.NotSame(executed, Find("x").Value);
    }
}
