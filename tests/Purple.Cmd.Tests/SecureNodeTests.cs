using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Purple.Cmd.Common;
using Purple.Node.Configuration;
using Purple.Node.Hosting;
using Purple.Node.Tests;
using Purple.Protocols.Security;

namespace Purple.Cmd.Tests;

/// <summary>The CLI against a node with --requirepass and TLS from a private CA: $PURPLE_PASSWORD or --password, and --cacert.</summary>
public sealed class SecureNodeTests : IAsyncLifetime
{
    private const string Password = "cli-secret";
    private readonly string _dir = Directory.CreateTempSubdirectory("purple-cli-tls-").FullName;
    private PurpleHost _host = null!;
    private string _caPath = "";

    public async Task InitializeAsync()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=CLI Test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=purple-node", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var server = request.Create(ca, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(12), [7, 7, 7]);
        _caPath = Path.Combine(_dir, "ca.crt");
        File.WriteAllText(_caPath, ca.ExportCertificatePem());
        File.WriteAllText(Path.Combine(_dir, "server.crt"), server.ExportCertificatePem());
        File.WriteAllText(Path.Combine(_dir, "server.key"), key.ExportPkcs8PrivateKeyPem());
        // RESP stays plain (purple bench speaks plain RESP); gRPC and HTTP use TLS.
        var settings = NodeFixture.Settings() with
        {
            Auth = new PasswordGuard(Password),
            Tls = new TlsSettings(Path.Combine(_dir, "server.crt"), Path.Combine(_dir, "server.key"), null, Resp: false, Memcached: true, Http: true, Grpc: true),
        };
        _host = await NodeFixture.StartAsync(settings);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private string Grpc => $"https://{_host.GrpcEndPoint}";

    [Fact]
    public async Task Data_commands_need_the_password_and_trust_the_ca_given()
    {
        var refused = await Cli.RunAsync("kv", "put", "k", "v", "--endpoint", Grpc, "--cacert", _caPath);
        Assert.Equal(ExitCodes.Refused, refused.ExitCode);
        Assert.Contains("PURPLE_PASSWORD", refused.StdErr);
        Assert.Empty(refused.StdOut);

        var untrusted = await Cli.RunAsync("kv", "get", "k", "--endpoint", Grpc, "--password", Password);
        Assert.Equal(ExitCodes.Unavailable, untrusted.ExitCode);

        var env = new Dictionary<string, string> { ["PURPLE_PASSWORD"] = Password };
        Assert.Equal(ExitCodes.Ok, (await Cli.RunAsync(["kv", "put", "k", "secure value", "--endpoint", Grpc, "--cacert", _caPath], null, env)).ExitCode);
        var got = await Cli.RunAsync(["kv", "get", "k", "--endpoint", Grpc, "--cacert", _caPath], null, env);
        Assert.Equal(ExitCodes.Ok, got.ExitCode);
        Assert.Equal("secure value", got.StdOut.TrimEnd('\n'));
        Assert.Equal(ExitCodes.Ok, (await Cli.RunAsync("counter", "incr", "n", "--endpoint", Grpc, "--cacert", _caPath, "-a", Password)).ExitCode);
    }

    [Fact]
    public async Task Info_reads_metrics_over_https_with_the_password()
    {
        string http = $"https://{_host.HttpEndPoint}";
        var refused = await Cli.RunAsync("info", "--http", http, "--cacert", _caPath);
        Assert.Equal(ExitCodes.Refused, refused.ExitCode);
        Assert.Contains("password", refused.StdErr);
        var info = await Cli.RunAsync("info", "--http", http, "--cacert", _caPath, "--password", Password, "-o", "json");
        var json = Expect.Json(info);
        Assert.True(json.GetProperty("listeners").GetProperty("http").GetProperty("tls").GetBoolean());
        Assert.False(json.GetProperty("listeners").GetProperty("resp").GetProperty("tls").GetBoolean());
    }

    [Fact]
    public async Task Bench_authenticates_each_connection()
    {
        string port = _host.RespEndPoint!.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var refused = await Cli.RunAsync("bench", "-p", port, "-n", "100", "-c", "2", "-t", "set");
        Assert.Equal(ExitCodes.Refused, refused.ExitCode);
        var wrong = await Cli.RunAsync("bench", "-p", port, "-n", "100", "-c", "2", "-t", "set", "--password", "nope");
        Assert.Equal(ExitCodes.Refused, wrong.ExitCode);
        Assert.Contains("AUTH: WRONGPASS", wrong.StdErr);
        Assert.DoesNotContain("nope", wrong.StdErr);
        var json = Expect.Json(await Cli.RunAsync("bench", "-p", port, "-n", "200", "-c", "2", "-t", "set,get", "--password", Password, "-o", "json"));
        foreach (var test in json.GetProperty("tests").EnumerateArray())
        {
            Assert.Equal(200, test.GetProperty("requests").GetInt64());
            Assert.Equal(0, test.GetProperty("errors").GetInt64());
        }
    }
}
