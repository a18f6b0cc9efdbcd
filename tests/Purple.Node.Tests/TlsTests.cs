using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Purple.Node.Configuration;
using Purple.Node.Hosting;

namespace Purple.Node.Tests;

/// <summary>TLS in process: certificates made with CertificateRequest (the interop suite uses openssl and real clients).</summary>
public sealed class TlsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("purple-tls-").FullName;

    // Self-signed test certificates are trusted by pinning: exactly the ones this test wrote.
    private static readonly HashSet<string> Written = [];

    private static bool IsOurs(X509Certificate? certificate)
    {
        if (certificate is null) return false;
        lock (Written) return Written.Contains(certificate.GetCertHashString());
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (string Cert, string Key) WriteSelfSigned(string name, string cn)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={cn}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        string certPath = Path.Combine(_dir, name + ".crt"), keyPath = Path.Combine(_dir, name + ".key");
        File.WriteAllText(certPath, cert.ExportCertificatePem());
        lock (Written) Written.Add(cert.Thumbprint);
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certPath, keyPath);
    }

    private static async Task<string> ServedSubjectAsync(System.Net.IPEndPoint endPoint, string command)
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(endPoint);
        await using var tls = new SslStream(tcp.GetStream(), false, (_, certificate, _, _) => IsOurs(certificate));
        await tls.AuthenticateAsClientAsync("127.0.0.1");
        await tls.WriteAsync(Encoding.ASCII.GetBytes(command));
        var buffer = new byte[64];
        int n = await tls.ReadAsync(buffer);
        return $"{tls.RemoteCertificate!.Subject} {Encoding.ASCII.GetString(buffer, 0, n).TrimEnd()}";
    }

    [Fact]
    public async Task Every_tcp_listener_serves_tls_and_a_reload_swaps_the_certificate_while_a_bad_one_keeps_the_old()
    {
        var (cert, key) = WriteSelfSigned("live", "first");
        var settings = NodeFixture.Settings() with { Tls = new TlsSettings(cert, key, null, true, true, true, true) };
        await using var host = await NodeFixture.StartAsync(settings);
        Assert.Equal("CN=first +PONG", await ServedSubjectAsync(host.RespEndPoint!, "PING\r\n"));
        Assert.Equal("CN=first VERSION 1.6.18", await ServedSubjectAsync(host.MemcachedEndPoint!, "version\r\n"));

        using var http = new HttpClient(new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, _) => IsOurs(certificate) } });
        Assert.Equal("ok\n", await http.GetStringAsync($"https://{host.HttpEndPoint}/healthz"));

        var (cert2, key2) = WriteSelfSigned("next", "second");
        File.Copy(key2, key, overwrite: true);
        File.Copy(cert2, cert, overwrite: true);
        Assert.True(host.ReloadTls());
        Assert.Equal("CN=second +PONG", await ServedSubjectAsync(host.RespEndPoint!, "PING\r\n"));

        File.WriteAllText(cert, "not a certificate");
        Assert.False(host.ReloadTls());
        Assert.Equal("CN=second +PONG", await ServedSubjectAsync(host.RespEndPoint!, "PING\r\n"));
    }

    [Fact]
    public async Task A_listener_switched_off_stays_plain()
    {
        var (cert, key) = WriteSelfSigned("live", "only-http");
        var settings = NodeFixture.Settings() with { Tls = new TlsSettings(cert, key, null, Resp: false, Memcached: true, Http: true, Grpc: true) };
        await using var host = await NodeFixture.StartAsync(settings);
        await using var resp = await RespTestClient.ConnectAsync(host.RespEndPoint!);
        Assert.Equal("+PONG", (await resp.CommandAsync("PING")).ToString());
    }

    [Fact]
    public void Bad_tls_options_stop_startup_with_what_to_fix()
    {
        var (cert, key) = WriteSelfSigned("opt", "options");
        List<string> Errors(params string[] args)
        {
            var configuration = OptionsLoader.Load(args, out var file, out _, new Dictionary<string, string?>());
            OptionsValidator.Validate(OptionsLoader.Bind(configuration!, out _)!, file, 8L << 30, out var errors);
            return errors;
        }
        Assert.Empty(Errors("--tls-cert", cert, "--tls-key", key));
        Assert.Contains(Errors("--tls-cert", cert), e => e.Contains("go together", StringComparison.Ordinal));
        Assert.Contains(Errors("--tls-ca", cert), e => e.Contains("--tls-ca needs --tls-cert", StringComparison.Ordinal));
        Assert.Contains(Errors("--tls-cert", "/no/such.crt", "--tls-key", key), e => e.Contains("/no/such.crt", StringComparison.Ordinal));
        Assert.Contains(Errors("--tls-cert", key, "--tls-key", cert), e => e.Contains("cannot load the TLS certificate", StringComparison.Ordinal));
        Assert.Contains(Errors("--tls-cert", cert, "--tls-key", key, "--tls-http", "maybe"), e => e.Contains("--tls-http 'maybe'", StringComparison.Ordinal));
    }
}
