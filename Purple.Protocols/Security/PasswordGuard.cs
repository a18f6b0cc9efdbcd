using System.Security.Cryptography;
using System.Text;

namespace Purple.Protocols.Security;

/// <summary>
/// The node's password (--requirepass), checked the same way by every protocol. Candidates are compared in
/// constant time over SHA-256 digests, so neither the password's bytes nor its length leak through timing.
/// The password itself is never kept as text and never logged.
/// </summary>
public sealed class PasswordGuard
{
    /// <summary>The one user name Purple knows, as Redis names its default user.</summary>
    public const string DefaultUser = "default";

    private readonly byte[]? _digest;

    public PasswordGuard(string? password)
    {
        if (!string.IsNullOrEmpty(password)) _digest = SHA256.HashData(Encoding.UTF8.GetBytes(password));
    }

    /// <summary>No password: every client is authenticated from the start.</summary>
    public static PasswordGuard None { get; } = new(null);

    public bool Required => _digest is not null;

    public bool Verify(ReadOnlySpan<byte> candidate)
    {
        if (_digest is null) return true;
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(candidate, digest);
        return CryptographicOperations.FixedTimeEquals(digest, _digest);
    }

    public bool Verify(string candidate) => Verify(Encoding.UTF8.GetBytes(candidate));

    /// <summary>True for a user name and password that authenticate: the default user and the password.</summary>
    public bool Verify(ReadOnlySpan<byte> user, ReadOnlySpan<byte> password) =>
        user.SequenceEqual("default"u8) & Verify(password);

    /// <summary>An HTTP or gRPC <c>authorization</c> value: <c>Bearer &lt;password&gt;</c> (scheme case-insensitive).</summary>
    public bool VerifyBearer(string? authorization)
    {
        if (_digest is null) return true;
        if (authorization is null || !authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return false;
        return Verify(authorization.AsSpan(7).Trim().ToString());
    }
}
