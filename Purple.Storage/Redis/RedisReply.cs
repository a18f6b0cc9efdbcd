using System.Text;

namespace Purple.Storage.Redis;

public enum RedisReplyKind : byte { Simple, Error, Integer, Bulk, Array, Null }

/// <summary>One RESP2 reply from Redis. Bulk strings keep their bytes; simple strings and errors are ASCII text.</summary>
public sealed class RedisReply
{
    public static readonly RedisReply Nil = new(RedisReplyKind.Null);

    private RedisReply(RedisReplyKind kind) => Kind = kind;

    public RedisReplyKind Kind { get; private init; }
    public string? Text { get; private init; }
    public long Integer { get; private init; }
    public byte[]? Bulk { get; private init; }
    public RedisReply[]? Items { get; private init; }

    public static RedisReply Simple(string text) => new(RedisReplyKind.Simple) { Text = text };
    public static RedisReply Error(string text) => new(RedisReplyKind.Error) { Text = text };
    public static RedisReply Int(long value) => new(RedisReplyKind.Integer) { Integer = value };
    public static RedisReply Blob(byte[] bytes) => new(RedisReplyKind.Bulk) { Bulk = bytes };
    public static RedisReply Array(RedisReply[] items) => new(RedisReplyKind.Array) { Items = items };

    public bool IsError => Kind == RedisReplyKind.Error;
    public bool IsNull => Kind == RedisReplyKind.Null;

    /// <summary>The reply as text: a bulk string decoded as UTF-8, a simple string, an integer.</summary>
    public string AsString() => Kind switch
    {
        RedisReplyKind.Bulk => Encoding.UTF8.GetString(Bulk!),
        RedisReplyKind.Integer => Integer.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => Text ?? "",
    };

    /// <summary>An integer reply, or a bulk/simple string holding one (Lua returns numbers as integers, INFO as text).</summary>
    public long AsInteger() => Kind == RedisReplyKind.Integer ? Integer
        : long.TryParse(AsString(), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out long v) ? v
        : throw new StorageProtocolException($"expected an integer reply, got {Kind}");

    public override string ToString() => Kind switch
    {
        RedisReplyKind.Array => "[" + string.Join(", ", Items!.Select(i => i.ToString())) + "]",
        RedisReplyKind.Null => "(nil)",
        RedisReplyKind.Error => "-" + Text,
        _ => AsString(),
    };
}

/// <summary>
/// Redis answered a call with something Purple cannot use (a reply of an unexpected shape, a redirect to no address).
/// A <see cref="Purple.Core.Execution.StorageException"/>, so the client of that call gets an error in its protocol's terms
/// and its connection goes on; a stream out of step is found by the reader and breaks the Redis connection instead.
/// </summary>
public sealed class StorageProtocolException(string message) : Purple.Core.Execution.StorageException("redis answered something unexpected: " + message);
