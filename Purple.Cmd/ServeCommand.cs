using System.CommandLine;

namespace Purple.Cmd;

/// <summary>
/// purple serve: purple-node itself, in this process. <see cref="PurpleCli.RunAsync"/> hands `serve …` to it before
/// parsing, so every server flag, its own --help and --version, and values that System.CommandLine would read
/// differently (an "@file", a "-5") reach purple-node exactly as typed. Exit codes are purple-node's.
/// </summary>
internal static class ServeCommand
{
    public const string Name = "serve";

    public static Task<int> RunAsync(string[] serverArgs) => Node.Program.Main(serverArgs);

    /// <summary>The entry `purple --help` lists; its action forwards whatever followed "serve".</summary>
    public static Command Create()
    {
        var serve = new Command(Name, "Run a Purple node: the same flags, defaults and exit codes as purple-node (purple serve --help lists them)")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        serve.SetAction(parse => RunAsync([.. parse.UnmatchedTokens]));
        return serve;
    }
}
