using System.Text;
using Purple.Storage.Redis;

namespace Purple.Storage.Tests;

/// <summary>The cluster specification's key → slot rule, and the names Purple gives its keys on a cluster.</summary>
public class RedisSlotTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void Crc16_is_xmodem_as_the_cluster_specification_gives_it() => Assert.Equal(0x31C3, RedisSlot.Crc16(B("123456789")));

    [Theory]
    // Slots as `redis-cli CLUSTER KEYSLOT` gives them (Redis 7.0).
    [InlineData("foo", 12182)]
    [InlineData("bar", 5061)]
    [InlineData("", 0)]
    [InlineData("{user1000}.following", 3443)]
    [InlineData("{user1000}.followers", 3443)]
    [InlineData("user1000", 3443)]
    public void Slots_match_redis(string key, int slot) => Assert.Equal(slot, RedisSlot.Of(B(key)));

    [Theory]
    // An empty tag does not count; the first '{' and the first '}' after it decide (slots from CLUSTER KEYSLOT).
    [InlineData("foo{}{bar}", 8363)]
    [InlineData("foo{{bar}}zap", 4015)]
    [InlineData("foo{bar}{zap}", 5061)]
    [InlineData("foo{", 7673)]
    public void Hash_tags_follow_the_first_brace_rules(string key, int slot) => Assert.Equal(slot, RedisSlot.Of(B(key)));

    [Fact]
    public void Every_slot_has_a_tag_that_lands_on_it()
    {
        for (int slot = 0; slot < RedisSlot.Count; slot++)
        {
            var tag = RedisSlot.TagOf(slot);
            Assert.InRange(tag.Length, 1, 4);
            Assert.Equal(slot, RedisSlot.Of(tag));
            Assert.Equal(slot, RedisSlot.Of(RedisKeyName.Meta(slot)));
            Assert.Equal(slot, RedisSlot.Of(RedisKeyName.Cas(slot)));
        }
    }

    [Fact]
    public void Databases_are_prefixes_that_keep_a_keys_hash_tag()
    {
        Assert.Equal(B("k"), RedisKeyName.Of(0, B("k")));
        Assert.Equal(B("purple:db3:k"), RedisKeyName.Of(3, B("k")));
        Assert.Equal(RedisSlot.Of(B("{u1}:a")), RedisSlot.Of(RedisKeyName.Of(7, B("{u1}:a"))));
        Assert.Equal(B("k"), RedisKeyName.KeyOf(3, B("purple:db3:k")));
        Assert.Null(RedisKeyName.KeyOf(3, B("purple:db4:k")));
        Assert.Null(RedisKeyName.KeyOf(3, B("k")));
        // Database 0 is the plain keyspace minus Purple's reserved names.
        Assert.Equal(B("purple:x"), RedisKeyName.KeyOf(0, B("purple:x")));
        Assert.Null(RedisKeyName.KeyOf(0, B("purple:db3:k")));
        Assert.Null(RedisKeyName.KeyOf(0, RedisKeyName.Meta(5)));
        Assert.Null(RedisKeyName.KeyOf(0, RedisKeyName.Cas(5)));
        Assert.False(RedisKeyName.IsReserved(B("purple:db:k")));
        Assert.False(RedisKeyName.IsReserved(B("purple:db3")));
        Assert.Equal(B(@"purple:db3:\*"), RedisKeyName.EscapeGlob(B("purple:db3:*")));
    }
}
