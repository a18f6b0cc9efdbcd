using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Purple.Node.Configuration;
using Purple.Protocols.Security;

namespace Purple.Client.Tests;

/// <summary>The client against a node with a password and TLS: h2 over TLS with a private CA, Bearer metadata, typed refusals.</summary>
public sealed class SecureClientTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("purple-client-tls-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A CA and a server certificate it signed for 127.0.0.1, written as PEM for the node.</summary>
    private (X509Certificate2 Ca, string Cert, string Key) MakePki()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Client Test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=purple-node", serverKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var server = request.Create(ca, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(12), [1, 2, 3, 4]);
        string cert = Path.Combine(_dir, "server.crt"), key = Path.Combine(_dir, "server.key");
        File.WriteAllText(cert, server.ExportCertificatePem());
        File.WriteAllText(key, serverKey.ExportPkcs8PrivateKeyPem());
        return (ca, cert, key);
    }

    [Fact]
    public async Task Calls_go_over_tls_to_a_private_ca_and_need_the_password()
    {
        var (ca, cert, key) = MakePki();
        using var _ = ca;
        var settings = ClientNode.Settings() with
        {
            Auth = new PasswordGuard("client-pw"),
            Tls = new TlsSettings(cert, key, null, Resp: true, Memcached: true, Http: true, Grpc: true),
        };
        await using var host = await ClientNode.StartAsync(settings);
        var address = new Uri($"https://{host.GrpcEndPoint}");

        using (var untrusted = new PurpleClient(address, new PurpleClientOptions { Password = "client-pw" }))
            await Assert.ThrowsAsync<PurpleUnavailableException>(() => untrusted.KvGetAsync("k"));

        using (var anonymous = new PurpleClient(address, new PurpleClientOptions { TrustedCertificateAuthorities = [ca] }))
            await Assert.ThrowsAsync<PurpleUnauthenticatedException>(() => anonymous.KvPutAsync("k", "v"u8.ToArray()));

        using (var wrong = new PurpleClient(address, new PurpleClientOptions { TrustedCertificateAuthorities = [ca], Password = "nope" }))
            await Assert.ThrowsAsync<PurpleUnauthenticatedException>(() => wrong.CounterIncrementAsync("n"));

        using var client = new PurpleClient(address, new PurpleClientOptions { TrustedCertificateAuthorities = [ca], Password = "client-pw" });
        await client.KvPutAsync("k", "over tls"u8.ToArray());
        Assert.Equal("over tls"u8.ToArray(), (await client.KvGetAsync("k"))!.Value);
        Assert.Equal(1, await client.CounterIncrementAsync("n"));
    }
}
