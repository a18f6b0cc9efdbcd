namespace Purple.Client;

public sealed class PurpleClientOptions
{
    /// <summary>Database for calls that do not name one (Purple's numbered databases; 0 by default).</summary>
    public int Database { get; init; }

    /// <summary>Deadline of each call unless the call gives its own; null: none (cancellation still works).</summary>
    public TimeSpan? DefaultDeadline { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The node's password (--requirepass), sent as <c>authorization: Bearer …</c> metadata; null when it has none.</summary>
    public string? Password { get; init; }

    /// <summary>
    /// For an https:// address whose certificate is not trusted by the system (an internal CA): the CA certificate(s)
    /// it must chain to. Used only by the constructor that takes an address.
    /// </summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2Collection? TrustedCertificateAuthorities { get; init; }

    /// <summary>A client certificate for nodes that require one (--tls-ca). Used only by the constructor that takes an address.</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? ClientCertificate { get; init; }
}
