namespace Purple.Actors.Storage;

/// <summary>
/// A string value that carries memcached client flags or an HTTP content type. Most keys have neither,
/// so <see cref="Entry"/> keeps no fields for them: it holds the byte[] directly and only a string with
/// metadata pays for this 40-byte holder (measured: Entry 80 → 64 bytes for every other key). While the entry owns
/// it, a write with the same flags, content type and length copies into <see cref="Bytes"/> (Entry.OwnsBytes).
/// </summary>
internal sealed class FlaggedString
{
    public readonly byte[] Bytes;
    public readonly string? ContentType;
    public readonly uint ClientFlags;

    public FlaggedString(byte[] bytes, uint clientFlags, string? contentType)
    {
        Bytes = bytes;
        ClientFlags = clientFlags;
        ContentType = contentType;
    }
}
