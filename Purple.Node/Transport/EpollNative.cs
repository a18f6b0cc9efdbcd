using System.Runtime.InteropServices;

namespace Purple.Node.Transport;

/// <summary>
/// The Linux calls the epoll transport makes. Calls that never block (the sockets are non-blocking) skip the GC
/// transition; errno is read with <see cref="Marshal.GetLastSystemError"/> right after the call, before anything
/// else can run on the thread.
/// </summary>
internal static unsafe partial class EpollNative
{
    public const int CtlAdd = 1;
    public const int CtlDel = 2;
    public const int CtlMod = 3;

    public const uint In = 0x001;
    public const uint Out = 0x004;
    public const uint Err = 0x008;
    public const uint Hup = 0x010;

    public const int EAGAIN = 11;
    public const int EINTR = 4;
    public const int MsgNoSignal = 0x4000;
    public const int ShutRdWr = 2;
    private const int CloExec = 0x80000;
    private const int NonBlock = 0x800;

    /// <summary>struct epoll_event is packed on x86-64 (12 bytes) and naturally aligned elsewhere (16).</summary>
    public static readonly int EventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    private static readonly int DataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    public static bool IsSupported => OperatingSystem.IsLinux();

    public static uint EventsAt(byte* events, int i) => *(uint*)(events + i * EventSize);

    public static ulong DataAt(byte* events, int i) => *(ulong*)(events + i * EventSize + DataOffset);

    public static int Control(int epoll, int op, int fd, uint events, ulong data)
    {
        byte* ev = stackalloc byte[16];
        *(uint*)ev = events;
        *(ulong*)(ev + DataOffset) = data;
        return epoll_ctl(epoll, op, fd, ev) == 0 ? 0 : Marshal.GetLastSystemError();
    }

    public static int CreateEpoll()
    {
        int fd = epoll_create1(CloExec);
        if (fd < 0) throw new IOException($"epoll_create1 failed (errno {Marshal.GetLastSystemError()}).");
        return fd;
    }

    public static int CreateEventFd()
    {
        int fd = eventfd(0, CloExec | NonBlock);
        if (fd < 0) throw new IOException($"eventfd failed (errno {Marshal.GetLastSystemError()}).");
        return fd;
    }

    [LibraryImport("libc")]
    private static partial int epoll_create1(int flags);

    [LibraryImport("libc"), SuppressGCTransition]
    private static partial int epoll_ctl(int epoll, int op, int fd, byte* ev);

    /// <summary>Blocks: keeps its GC transition so a collection never waits for an idle I/O thread.</summary>
    [LibraryImport("libc", EntryPoint = "epoll_wait")]
    public static partial int EpollWait(int epoll, byte* events, int maxEvents, int timeoutMs);

    [LibraryImport("libc", EntryPoint = "recv"), SuppressGCTransition]
    public static partial nint Recv(int fd, byte* buffer, nint length, int flags);

    [LibraryImport("libc", EntryPoint = "send"), SuppressGCTransition]
    public static partial nint Send(int fd, byte* buffer, nint length, int flags);

    [LibraryImport("libc", EntryPoint = "shutdown"), SuppressGCTransition]
    public static partial int Shutdown(int fd, int how);

    [LibraryImport("libc")]
    private static partial int eventfd(uint initial, int flags);

    [LibraryImport("libc", EntryPoint = "write"), SuppressGCTransition]
    public static partial nint Write(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "read"), SuppressGCTransition]
    public static partial nint Read(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "close")]
    public static partial int Close(int fd);
}
