using System.Runtime.InteropServices;

namespace PrivSep.Broker.Interop;

/// <summary>
/// The calls <see cref="PrivSep.Broker.Exec.CommandLauncher"/> needs to start a command with <c>posix_spawn</c>
/// (glibc, Linux x86-64 layouts). The <c>posix_spawn*</c> functions return an error number instead of setting errno;
/// the others return -1 and set errno. Every result is checked by the caller in Exec/SpawnCalls.cs.
/// </summary>
internal static unsafe partial class LibC
{
    public const short POSIX_SPAWN_SETPGROUP = 0x02;
    public const short POSIX_SPAWN_SETSIGDEF = 0x04;
    public const short POSIX_SPAWN_SETSIGMASK = 0x08;

    /// <summary>glibc 2.26+: the child calls setsid(), becoming leader of a new session and of a new process group.</summary>
    public const short POSIX_SPAWN_SETSID = 0x80;

    public const int F_DUPFD_CLOEXEC = 1030;
    public const int F_GETFL = 3;
    public const int F_SETFL = 4;

    public const int SIGKILL = 9;

    public const int ESRCH = 3;
    public const int ECHILD = 10;

    /// <summary><c>idtype_t</c> P_PID for waitid(2).</summary>
    public const int P_PID = 1;
    public const int WEXITED = 0x4;
    public const int WNOWAIT = 0x01000000;

    public const int CLD_EXITED = 1;
    public const int CLD_KILLED = 2;
    public const int CLD_DUMPED = 3;

    /// <summary>glibc's <c>posix_spawnattr_t</c> is 336 bytes on x86-64; allocations use this upper bound.</summary>
    public const int SpawnAttrSize = 512;

    /// <summary>glibc's <c>posix_spawn_file_actions_t</c> is 80 bytes on x86-64; allocations use this upper bound.</summary>
    public const int SpawnFileActionsSize = 256;

    /// <summary>glibc's <c>sigset_t</c>: 1024 bits.</summary>
    public const int SigSetSize = 128;

    /// <summary><c>siginfo_t</c> (128 bytes) as waitid(2) fills it for a child on x86-64.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    public struct ChildSigInfo
    {
        [FieldOffset(0)] public int Signo;
        [FieldOffset(4)] public int Errno;
        [FieldOffset(8)] public int Code;
        [FieldOffset(16)] public int Pid;
        [FieldOffset(20)] public uint Uid;
        [FieldOffset(24)] public int Status;
    }

    [LibraryImport("libc", EntryPoint = "pipe2", SetLastError = true)]
    public static partial int Pipe2(int* fds, int flags);

    /// <summary>fcntl(2) with an int argument (F_DUPFD_CLOEXEC, F_GETFL, F_SETFL).</summary>
    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(int fd, int command, int argument);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_init", SetLastError = true)]
    public static partial int PosixSpawnFileActionsInit(void* actions);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_destroy", SetLastError = true)]
    public static partial int PosixSpawnFileActionsDestroy(void* actions);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_adddup2", SetLastError = true)]
    public static partial int PosixSpawnFileActionsAddDup2(void* actions, int fd, int newFd);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_addchdir_np", SetLastError = true)]
    public static partial int PosixSpawnFileActionsAddChdir(void* actions, byte* path);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_addclosefrom_np", SetLastError = true)]
    public static partial int PosixSpawnFileActionsAddCloseFrom(void* actions, int lowFd);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_init", SetLastError = true)]
    public static partial int PosixSpawnAttrInit(void* attributes);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_destroy", SetLastError = true)]
    public static partial int PosixSpawnAttrDestroy(void* attributes);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setflags", SetLastError = true)]
    public static partial int PosixSpawnAttrSetFlags(void* attributes, short flags);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigmask", SetLastError = true)]
    public static partial int PosixSpawnAttrSetSigMask(void* attributes, void* sigset);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigdefault", SetLastError = true)]
    public static partial int PosixSpawnAttrSetSigDefault(void* attributes, void* sigset);

    [LibraryImport("libc", EntryPoint = "sigemptyset", SetLastError = true)]
    public static partial int SigEmptySet(void* sigset);

    [LibraryImport("libc", EntryPoint = "sigfillset", SetLastError = true)]
    public static partial int SigFillSet(void* sigset);

    [LibraryImport("libc", EntryPoint = "posix_spawn", SetLastError = true)]
    public static partial int PosixSpawn(int* pid, byte* path, void* fileActions, void* attributes, byte** argv, byte** envp);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "waitid", SetLastError = true)]
    public static partial int WaitId(int idType, int id, ChildSigInfo* info, int options);
}
