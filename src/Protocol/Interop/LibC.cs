using System.Runtime.InteropServices;

namespace PrivSep.Protocol.Interop;

/// <summary>
/// The libc calls this assembly needs and .NET does not wrap: sendmsg/recvmsg with SCM_RIGHTS ancillary data.
/// Layouts are Linux x86-64/arm64 (LP64). Every caller checks the return value and errno.
/// </summary>
internal static unsafe partial class LibC
{
    public const int SOL_SOCKET = 1;
    public const int SCM_RIGHTS = 1;
    public const int MSG_CTRUNC = 0x8;
    public const int MSG_DONTWAIT = 0x40;
    public const int MSG_NOSIGNAL = 0x4000;
    public const int MSG_CMSG_CLOEXEC = 0x40000000;

    public const int EINTR = 4;
    public const int EAGAIN = 11;

    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct CMsgHdr
    {
        public nuint Length;
        public int Level;
        public int Type;
    }

    /// <summary>CMSG_ALIGN: ancillary data is aligned to the size of a pointer-sized long.</summary>
    public static int CmsgAlign(int length) => (length + sizeof(nuint) - 1) & ~(sizeof(nuint) - 1);

    public static int CmsgSpace(int dataLength) => CmsgAlign(sizeof(CMsgHdr)) + CmsgAlign(dataLength);

    public static int CmsgLength(int dataLength) => CmsgAlign(sizeof(CMsgHdr)) + dataLength;

    [LibraryImport("libc", EntryPoint = "sendmsg", SetLastError = true)]
    public static partial nint SendMsg(int socket, MsgHdr* message, int flags);

    [LibraryImport("libc", EntryPoint = "recvmsg", SetLastError = true)]
    public static partial nint RecvMsg(int socket, MsgHdr* message, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "getuid")]
    public static partial uint GetUid();
}
