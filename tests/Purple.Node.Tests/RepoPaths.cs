namespace Purple.Node.Tests;

internal static class RepoPaths
{
    /// <summary>The repository root: the nearest directory above the test binaries holding Purple.sln.</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Purple.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Purple.sln not found above " + AppContext.BaseDirectory);
    }
}
