using Purple.Core.Commands;
using static Purple.Actors.Tests.T;

namespace Purple.Actors.Tests;

/// <summary>
/// A snapshot's image: every live key exactly once with its value, TTL and metadata, whatever the number of keys in a
/// keyspace relative to the capture's look-ahead window, and no expired key.
/// </summary>
public class ImageTests
{
    [Fact]
    public void The_image_holds_every_live_key_once_with_its_state_and_no_expired_key()
    {
        var time = new FakeTime();
        var e = Engine(time, shards: 4);
        var expected = new Dictionary<(int Db, string Key), string>();
        // Keyspaces smaller than, equal to and larger than the window of eight, spread over four shards.
        int[] sizes = [1, 2, 7, 8, 9, 33, 1000];
        for (int db = 0; db < sizes.Length; db++)
        {
            for (int i = 0; i < sizes[db]; i++)
            {
                string key = $"k{db}-{i}";
                e.Set(key, "v" + i, db: db);
                expected[(db, key)] = "v" + i;
            }
        }
        e.Execute(new SetCommand(0, B("meta"), B("m"), time.NowMs + 60_000, ClientFlags: 42, ContentType: "text/plain"));
        expected[(0, "meta")] = "m";
        e.Execute(new SAddCommand(3, B("set"), [B("a"), B("b")]));
        e.Execute(new SetCommand(5, B("gone"), B("x"), time.NowMs + 10));
        time.Advance(11);

        var image = e.CaptureImage(() => 77);

        Assert.Equal(77, image.Sequence);
        var strings = image.Entries.Where(x => x.String is not null).ToList();
        Assert.Equal(expected.Count, strings.Count);
        Assert.Equal(expected.OrderBy(p => p.Key), strings.Select(x => KeyValuePair.Create((x.Db, S(x.Key)), S(x.String))).OrderBy(p => p.Key));
        var meta = Assert.Single(strings, x => S(x.Key) == "meta");
        Assert.Equal((42u, "text/plain", time.NowMs - 11 + 60_000), (meta.ClientFlags, meta.ContentType, meta.ExpiresAt));
        var set = Assert.Single(image.Entries, x => x.Members is not null);
        Assert.Equal((3, "set"), (set.Db, S(set.Key)));
        Assert.Equal(["a", "b"], set.Members!.Select(S).Order());
        Assert.DoesNotContain(image.Entries, x => S(x.Key) == "gone");
    }
}
