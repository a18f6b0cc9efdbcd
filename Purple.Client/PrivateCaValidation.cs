using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Purple.Client;

/// <summary>Trusting a node whose certificate comes from an internal CA the system does not know.</summary>
public static class PrivateCaValidation
{
    /// <summary>
    /// Accepts a certificate the system trusts, or one whose only fault is a chain that ends at one of
    /// <paramref name="authorities"/>; a wrong host name stays an error.
    /// </summary>
    public static RemoteCertificateValidationCallback ChainsTo(X509Certificate2Collection authorities) => (_, presented, _, errors) =>
    {
        if (presented is null) return false;
        if (errors == SslPolicyErrors.None) return true;
        if ((errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(presented);
        return chain.Build(leaf);
    };
}
