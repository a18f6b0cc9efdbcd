using Purple.Protocols.Metrics;

namespace Purple.Protocols.Memcached;

/// <summary>
/// memcached 1.6's text-protocol authentication (its -Y mode), with --requirepass as the password: until a
/// connection authenticates, every command but "set" is refused, and a "set" is the login — its value is
/// "username password" and nothing is stored. Replies and their texts are memcached's (checked against
/// memcached 1.6.18 with -Y); noreply does not silence them. The one user is "default", as in Redis.
/// </summary>
public sealed partial class MemcachedSession
{
    private void Authenticate(MemcachedRequest r)
    {
        // A get line longer than the decoder's limit arrives in pieces: refuse it once.
        if (r.IsContinuation) return;
        if (r.Command != MemcachedCommand.Set || r.Value is null || r.TooLarge)
        {
            Server.Metrics.Rejected(RejectReason.Unauthenticated);
            Writer.Raw(r.Command == MemcachedCommand.Set ? "CLIENT_ERROR bad authentication token format\r\n"u8 : "CLIENT_ERROR unauthenticated\r\n"u8);
            return;
        }
        var token = r.Value.AsSpan(0, r.DataLength);
        int space = token.IndexOf((byte)' ');
        if (space <= 0)
        {
            Server.Metrics.Rejected(RejectReason.Unauthenticated);
            Writer.Raw("CLIENT_ERROR bad authentication token format\r\n"u8);
            return;
        }
        if (!Server.Auth.Verify(token[..space], token[(space + 1)..]))
        {
            Server.Metrics.Rejected(RejectReason.Unauthenticated);
            Writer.Raw("CLIENT_ERROR authentication failure\r\n"u8);
            return;
        }
        Authenticated = true;
        Writer.Raw("STORED\r\n"u8);
    }
}
