using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using Purple.Client;

namespace Purple.Cmd.Common;

/// <summary>
/// How the CLI proves itself to a node with --requirepass and trusts a node with --tls-cert: the password
/// (`--password`, else $PURPLE_PASSWORD — the variable keeps it out of process listings and shell history) and
/// the CA of an https:// endpoint's certificate (`--cacert`, PEM) when the system does not trust it.
/// </summary>
internal sealed class Credentials
{
    public const string PasswordVariable = "PURPLE_PASSWORD";

    public Credentials(CliConsole console)
    {
        Password = new Option<string?>("--password", "-a")
        {
            Description = $"The node's password (--requirepass) [default: ${PasswordVariable}]",
            HelpName = "PASSWORD",
            Recursive = true,
            DefaultValueFactory = _ => console.Environment(PasswordVariable) is { Length: > 0 } fromEnv ? fromEnv : null,
        };
        CaCert = new Option<FileInfo?>("--cacert")
        {
            Description = "PEM CA certificate that an https:// node's certificate chains to",
            HelpName = "FILE",
            Recursive = true,
        };
        CaCert.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<FileInfo?>() is { Exists: false } missing) r.AddError($"--cacert {missing.FullName} does not exist.");
        });
    }

    public Option<string?> Password { get; }

    public Option<FileInfo?> CaCert { get; }

    public void AddTo(Command command)
    {
        command.Add(Password);
        command.Add(CaCert);
    }

    public static X509Certificate2Collection? Authorities(FileInfo? caCert)
    {
        if (caCert is null) return null;
        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPemFile(caCert.FullName);
        return authorities;
    }

    /// <summary>An HttpClient handler that trusts the given CA (chain errors only, for it alone), for /metrics over https.</summary>
    public static SocketsHttpHandler Handler(X509Certificate2Collection? authorities)
    {
        var handler = new SocketsHttpHandler();
        if (authorities is { Count: > 0 }) handler.SslOptions.RemoteCertificateValidationCallback = PrivateCaValidation.ChainsTo(authorities);
        return handler;
    }

    public static PurpleClientOptions ClientOptions(TimeSpan timeout, string? password, FileInfo? caCert) => new()
    {
        DefaultDeadline = timeout,
        Password = password,
        TrustedCertificateAuthorities = Authorities(caCert),
    };
}
