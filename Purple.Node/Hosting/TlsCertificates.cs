using System.Net.Security;
using System.Runtime.InteropServices;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;
using Purple.Node.Configuration;

namespace Purple.Node.Hosting;

/// <summary>
/// The node's TLS material: the server certificate (with any intermediates in the same PEM file) and, with
/// --tls-ca, the CA that client certificates must chain to. Reloaded without a restart when the files change
/// or on SIGHUP; a reload that fails keeps the previous certificate and says why. Each handshake takes the
/// current certificate, so connections already open keep theirs and new ones get the new one.
/// </summary>
internal sealed class TlsCertificates : IDisposable
{
    private readonly TlsSettings _settings;
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly Timer _debounce;
    private PosixSignalRegistration? _sighup;
    private volatile Loaded _current;

    internal sealed record Loaded(SslStreamCertificateContext Context, X509Certificate2 Leaf, X509Certificate2Collection? ClientCas);

    public TlsCertificates(TlsSettings settings)
    {
        _settings = settings;
        _current = Load(settings);
        _debounce = new Timer(_ => Reload("the certificate files changed"));
    }

    public X509Certificate2 Certificate => _current.Leaf;

    /// <summary>Set once the host's logging exists (the listeners are configured before it is built).</summary>
    public ILogger Logger { get; set; } = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    /// <summary>Loads and checks the files; throws with a message that names the file and the problem.</summary>
    internal static Loaded Load(TlsSettings settings)
    {
        X509Certificate2 leaf;
        var chain = new X509Certificate2Collection();
        try
        {
            leaf = X509Certificate2.CreateFromPemFile(settings.CertPath, settings.KeyPath);
            chain.ImportFromPemFile(settings.CertPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw new InvalidOperationException(
                $"cannot load the TLS certificate {settings.CertPath} with key {settings.KeyPath}: {ex.Message} (both must be PEM; the key must match the certificate)", ex);
        }
        var intermediates = new X509Certificate2Collection();
        foreach (var c in chain)
            if (!c.RawData.AsSpan().SequenceEqual(leaf.RawData)) intermediates.Add(c);
        X509Certificate2Collection? cas = null;
        if (settings.CaPath is { } caPath)
        {
            cas = [];
            try
            {
                cas.ImportFromPemFile(caPath);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                throw new InvalidOperationException($"cannot load the client CA {caPath}: {ex.Message}", ex);
            }
            if (cas.Count == 0) throw new InvalidOperationException($"--tls-ca {caPath} holds no PEM certificate.");
        }
        return new Loaded(SslStreamCertificateContext.Create(leaf, intermediates, offline: true), leaf, cas);
    }

    /// <summary>Starts watching the files and SIGHUP.</summary>
    public void Watch()
    {
        foreach (var path in new[] { _settings.CertPath, _settings.KeyPath, _settings.CaPath }.OfType<string>().Distinct())
        {
            var full = Path.GetFullPath(path);
            var watcher = new FileSystemWatcher(Path.GetDirectoryName(full)!, Path.GetFileName(full))
            {
                NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
            };
            // Writers replace files in several steps (truncate, write; or write elsewhere and rename): wait for quiet.
            FileSystemEventHandler changed = (_, _) => _debounce.Change(TimeSpan.FromMilliseconds(500), Timeout.InfiniteTimeSpan);
            watcher.Changed += changed;
            watcher.Created += changed;
            watcher.Renamed += (_, _) => _debounce.Change(TimeSpan.FromMilliseconds(500), Timeout.InfiniteTimeSpan);
            watcher.EnableRaisingEvents = true;
            _watchers.Add(watcher);
        }
        if (!OperatingSystem.IsWindows())
        {
            _sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                context.Cancel = true;
                Reload("SIGHUP");
            });
        }
    }

    public bool Reload(string why)
    {
        try
        {
            var loaded = Load(_settings);
            _current = loaded;
            Logger.LogInformation("TLS certificate reloaded ({Reason}): {Subject}, expires {NotAfter:O}", why, loaded.Leaf.Subject, loaded.Leaf.NotAfter.ToUniversalTime());
            return true;
        }
        catch (InvalidOperationException ex)
        {
            Logger.LogError("TLS certificate not reloaded ({Reason}); the previous one stays in use: {Problem}", why, ex.Message);
            return false;
        }
    }

    /// <summary>Handshake options for one listener: the current certificate, ALPN, and client certificates when --tls-ca is set.</summary>
    public TlsHandshakeCallbackOptions Options(params SslApplicationProtocol[] alpn) => new()
    {
        OnConnection = _ =>
        {
            var loaded = _current;
            var options = new SslServerAuthenticationOptions
            {
                ServerCertificateContext = loaded.Context,
                ApplicationProtocols = alpn.Length > 0 ? [.. alpn] : null,
            };
            if (loaded.ClientCas is { } cas)
            {
                options.ClientCertificateRequired = true;
                options.RemoteCertificateValidationCallback = (_, certificate, _, _) => ChainsTo(certificate, cas);
            }
            return ValueTask.FromResult(options);
        },
    };

    private static bool ChainsTo(X509Certificate? certificate, X509Certificate2Collection cas)
    {
        if (certificate is null) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(cas);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.2"));   // clientAuth
        using var presented = new X509Certificate2(certificate);
        return chain.Build(presented);
    }

    public void Dispose()
    {
        _sighup?.Dispose();
        foreach (var w in _watchers) w.Dispose();
        _debounce.Dispose();
    }
}
