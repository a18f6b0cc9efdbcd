using System.Runtime.InteropServices;

namespace Purple.Storage;

/// <summary>fsync for what .NET does not expose: a directory, so a rename that publishes a file survives a power cut.</summary>
internal static partial class FileSync
{
    private const int ReadOnly = 0;
    private const int Directory = 0x10000; // O_DIRECTORY on Linux

    public static void File(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        stream.Flush(flushToDisk: true);
    }

    public static void DirectoryOf(string path)
    {
        if (!OperatingSystem.IsLinux()) return;
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is null) return;
        int fd = Open(dir, ReadOnly | Directory);
        if (fd < 0) return;
        try
        {
            if (Fsync(fd) != 0) throw new IOException($"fsync of directory {dir} failed (errno {Marshal.GetLastPInvokeError()}).");
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
