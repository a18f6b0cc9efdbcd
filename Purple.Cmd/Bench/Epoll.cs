using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Purple.Cmd.Bench;

/// <summary>
/// A level-triggered Linux epoll set, for <see cref="BenchEventLoop"/>: .NET's own socket engine is edge-triggered
/// and owned by the runtime, and cannot give a load generator redis-benchmark's loop (wait for writable, write,
/// wait for readable, read). Not thread-safe: one thread owns it.
/// </summary>
internal sealed partial class Epoll : IDisposable
{
    public const uint Readable = 0x001;  // EPOLLIN
    public const uint Writable = 0x004;  // EPOLLOUT
    public const uint Error = 0x008;     // EPOLLERR
    public const uint HangUp = 0x010;    // EPOLLHUP

    private const int CloseOnExec = 0x80000; // EPOLL_CLOEXEC
    private const int Add = 1, Delete = 2, Modify = 3;
    private const int Interrupted = 4; // EINTR

    // struct epoll_event is { uint32_t events; uint64_t data; }, packed on x86-64 (12 bytes) and naturally
    // aligned elsewhere (16 bytes): laid out by hand so one build serves both.
    private static readonly int Stride = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    private static readonly int DataOffset = Stride - 8;

    private readonly int _fd;
    private readonly byte[] _ready;
    private readonly byte[] _change = new byte[16];

    public Epoll(int capacity)
    {
        _fd = Create(CloseOnExec);
        if (_fd < 0) throw new SocketException(Marshal.GetLastPInvokeError());
        _ready = new byte[Math.Max(1, capacity) * Stride];
    }

    public static bool IsSupported => OperatingSystem.IsLinux();

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Register(int fd, uint events, int token) => Change(Add, fd, events, token);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Update(int fd, uint events, int token) => Change(Modify, fd, events, token);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Unregister(int fd) => Change(Delete, fd, 0, 0);

    /// <summary>Waits up to <paramref name="timeoutMs"/> for ready descriptors; returns how many (0 on timeout or a signal).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Wait(int timeoutMs)
    {
        int count = WaitNative(_fd, ref MemoryMarshal.GetArrayDataReference(_ready), _ready.Length / Stride, timeoutMs);
        if (count >= 0) return count;
        int errno = Marshal.GetLastPInvokeError();
        return errno == Interrupted ? 0 : throw new SocketException(errno);
    }

    public (uint Events, int Token) this[int index]
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        get
        {
            var slot = _ready.AsSpan(index * Stride, Stride);
            return (MemoryMarshal.Read<uint>(slot), (int)MemoryMarshal.Read<ulong>(slot[DataOffset..]));
        }
    }

    public void Dispose() => _ = CloseNative(_fd);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Change(int operation, int fd, uint events, int token)
    {
        MemoryMarshal.Write(_change, events);
        MemoryMarshal.Write(_change.AsSpan(DataOffset), (ulong)token);
        if (Control(_fd, operation, fd, ref MemoryMarshal.GetArrayDataReference(_change)) != 0) throw new SocketException(Marshal.GetLastPInvokeError());
    }

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    private static partial int Create(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    private static partial int Control(int epfd, int operation, int fd, ref byte change);

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    private static partial int WaitNative(int epfd, ref byte events, int maxEvents, int timeoutMs);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int CloseNative(int fd);
}
