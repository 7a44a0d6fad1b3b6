using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;
using PrivSep.Broker.Interop;

namespace PrivSep.Broker.Exec;

/// <summary>
/// Starts an allowed command the way the broker runs it: with <c>posix_spawn</c>, never a fork of the .NET process
/// (only async-signal-safe code may run between fork and exec in a multi-threaded runtime) and never
/// <see cref="System.Diagnostics.Process"/> (which inherits the broker's environment, cannot create a session or
/// process group and cannot change credentials).
/// <para>
/// The child gets:
/// a clean environment (exactly <c>PATH=/usr/sbin:/usr/bin:/sbin:/bin</c> and <c>LANG=C.UTF-8</c>: no inherited
/// secret, no <c>LD_*</c>); <c>/</c> as working directory; stdin/stdout/stderr wired to pipes whose other ends
/// the caller receives (every other descriptor closed, although the broker opens everything close-on-exec anyway);
/// an empty signal mask and default dispositions for every signal (the runtime's handlers and blocked signals must
/// not leak into it); and a session of its own.
/// </para>
/// <para>
/// No controlling terminal: <c>POSIX_SPAWN_SETSID</c> makes the child call setsid(), which detaches it from any
/// controlling terminal (a new session has none), and a session leader only acquires one by opening a terminal
/// device without <c>O_NOCTTY</c> — the broker has none and passes none (its stdio are pipes). The session leader
/// is also the leader of a new process group whose id is its pid, so the whole command tree (children it forks
/// included) can be killed with <c>kill(-pgid, SIGKILL)</c>. SETSID is used instead of SETPGROUP (glibc would
/// call setpgid after setsid, which fails for a session leader): it gives the process group and more.
/// </para>
/// <para>
/// Credentials and lifetime: posix_spawn can neither change credentials nor set a parent-death signal, so every
/// command is spawned through util-linux
/// <c>/usr/bin/setpriv --pdeathsig=KILL [--reuid=U --regid=G --clear-groups --inh-caps=-all --bounding-set=-all] -- PATH ARGS…</c>
/// (the bracketed part for a target other than root:root). setpriv is a small, audited, single-purpose tool that
/// calls setgroups/setresgid/setresuid, then prctl(PR_SET_PDEATHSIG) — after the credential change, which would
/// clear it — and then execs the target in the same process (same pid, so same session and group, same descriptors,
/// same clean environment; an absolute path is executed without a PATH search). The signal survives that exec (it is
/// cleared only by executing a set-user-ID or file-capability binary). So when the broker dies, even by SIGKILL, the
/// kernel kills each command; the spawn runs on <see cref="SpawnThread"/> because the kernel's "parent" is the
/// spawning thread. With a <see cref="CommandCgroup"/>, <c>/bin/sh</c> runs first and only writes the process into the
/// cgroup before it execs the rest, so whatever the command starts is in the cgroup that dies with the broker.
/// The alternatives are worse: forking the .NET process to call setuid or prctl is unsafe, and a
/// helper of our own would duplicate setpriv with less review.
/// </para>
/// </summary>
internal static class CommandLauncher
{
    /// <summary>The only variables the child sees.</summary>
    internal static readonly IReadOnlyList<string> ChildEnvironment =
    [
        "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
        "LANG=C.UTF-8",
    ];

    /// <summary>util-linux setpriv, which sets the parent-death signal and drops to the target user and group before exec.</summary>
    internal const string SetPrivPath = "/usr/bin/setpriv";

    /// <summary>What the kernel sends a command when the broker dies: nothing it can catch or ignore.</summary>
    private const string ParentDeathSignal = "KILL";

    /// <summary>Whether setpriv is installed; without it root commands are spawned directly and outlive a killed broker.</summary>
    internal static bool SetPrivAvailable { get; } = File.Exists(SetPrivPath);

    /// <summary>The shell that moves a command into the broker's cgroup before anything of the command runs.</summary>
    internal const string ShellPath = "/bin/sh";

    public static RunningCommand Start(CommandSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Validate(spec);

        var argv = BuildArgv(spec, out var executable);
        if (spec.CgroupProcs is { } procs)
        {
            CommandCgroup.ThrowIfGone(procs);

            // The process writes "0" (itself) into the broker's cgroup.procs, then execs what it was to run: it joins the
            // cgroup before the command can fork, so nothing it starts is ever outside. If the write fails the shell
            // exits 2 and the command never runs.
            argv = [ShellPath, "-c", "echo 0 > \"$0\" && exec \"$@\"", procs, .. argv];
            executable = ShellPath;
        }

        // Through setpriv or the shell a missing target would surface as their exit status, not as ENOENT from
        // posix_spawn: check it first so that the error is as clear as a failed spawn (the exec itself still decides).
        if (executable != spec.Path && !File.Exists(spec.Path))
        {
            throw new Win32Exception(LibC.ENOENT, $"Cannot start '{spec.Path}': no such file.");
        }

        return Launch(executable, argv, spec.Timeout);
    }

    /// <summary>
    /// Starts <paramref name="path"/> as root as it is, without setpriv or cgroup: for the broker's own helpers that
    /// must outlive it for a moment (the cgroup guardian acts when the broker dies).
    /// </summary>
    internal static RunningCommand StartHelper(string path, IReadOnlyList<string> arguments) =>
        Launch(path, [path, .. arguments], Timeout.InfiniteTimeSpan);

    private static RunningCommand Launch(string executable, List<string> argv, TimeSpan timeout)
    {
        // Three pipes, all close-on-exec. The child's ends are dup2'ed onto 0/1/2 in the child, where dup2 clears
        // close-on-exec; everything else is closed there. The parent keeps the other ends.
        var (stdinRead, stdinWrite) = Pipes.Create();
        var (stdoutRead, stdoutWrite) = Pipes.Create();
        var (stderrRead, stderrWrite) = Pipes.Create();
        var childEnds = new[] { stdinRead, stdoutWrite, stderrWrite };
        var parentEnds = new[] { stdinWrite, stdoutRead, stderrRead };
        var started = false;
        try
        {
            var pid = SpawnThread.Run(() => Spawn(executable, argv, stdinRead, stdoutWrite, stderrWrite));
            started = true;
            return new RunningCommand(pid, processGroupId: pid, stdinWrite, stdoutRead, stderrRead, timeout);
        }
        finally
        {
            foreach (var end in childEnds)
            {
                end.Dispose();
            }

            if (!started)
            {
                foreach (var end in parentEnds)
                {
                    end.Dispose();
                }
            }
        }
    }

    private static void Validate(CommandSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec.Path);
        ArgumentNullException.ThrowIfNull(spec.Arguments);
        if (!spec.Path.StartsWith('/'))
        {
            throw new ArgumentException($"The command path must be absolute (no PATH lookup): '{spec.Path}'.", nameof(spec));
        }

        if (spec.Path.Contains('\0') || spec.Arguments.Any(a => a is null || a.Contains('\0')))
        {
            throw new ArgumentException("A command path or argument contains a NUL character or is null.", nameof(spec));
        }

        if (spec.Timeout != Timeout.InfiniteTimeSpan && (spec.Timeout <= TimeSpan.Zero || spec.Timeout.TotalMilliseconds > int.MaxValue))
        {
            throw new ArgumentOutOfRangeException(nameof(spec), spec.Timeout, "The timeout must be positive (or infinite).");
        }

        if (spec.MaxOutputBytes < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(spec), spec.MaxOutputBytes, "The output cap cannot be negative.");
        }
    }

    private static List<string> BuildArgv(CommandSpec spec, out string executable)
    {
        bool asRoot = spec.Uid == 0 && spec.Gid == 0;
        if (asRoot && !SetPrivAvailable)
        {
            // Without setpriv the command is not tied to the broker's life; the broker warned about it at start.
            executable = spec.Path;
            return [spec.Path, .. spec.Arguments];
        }

        executable = SetPrivPath;
        List<string> argv = [SetPrivPath, $"--pdeathsig={ParentDeathSignal}"];
        if (!asRoot)
        {
            argv.AddRange([$"--reuid={spec.Uid}", $"--regid={spec.Gid}", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all"]);
        }

        argv.AddRange(["--", spec.Path, .. spec.Arguments]);
        return argv;
    }

    private static unsafe int Spawn(string executable, List<string> argv, SafeFileHandle stdin, SafeFileHandle stdout, SafeFileHandle stderr)
    {
        var strings = new List<nint>();
        var actions = NativeMemory.AllocZeroed(LibC.SpawnFileActionsSize);
        var attributes = NativeMemory.AllocZeroed(LibC.SpawnAttrSize);
        var sigset = NativeMemory.AllocZeroed(LibC.SigSetSize);
        var argvArray = (byte**)NativeMemory.AllocZeroed((nuint)(argv.Count + 1), (nuint)sizeof(byte*));
        var envArray = (byte**)NativeMemory.AllocZeroed((nuint)(ChildEnvironment.Count + 1), (nuint)sizeof(byte*));
        var actionsReady = false;
        var attributesReady = false;
        var addedStdin = false;
        var addedStdout = false;
        var addedStderr = false;
        try
        {
            for (var i = 0; i < argv.Count; i++)
            {
                argvArray[i] = Utf8(argv[i], strings);
            }

            for (var i = 0; i < ChildEnvironment.Count; i++)
            {
                envArray[i] = Utf8(ChildEnvironment[i], strings);
            }

            var path = Utf8(executable, strings);
            var root = Utf8("/", strings);

            SpawnCalls.CheckResult(LibC.PosixSpawnFileActionsInit(actions), "posix_spawn_file_actions_init");
            actionsReady = true;
            stdin.DangerousAddRef(ref addedStdin);
            stdout.DangerousAddRef(ref addedStdout);
            stderr.DangerousAddRef(ref addedStderr);
            SpawnCalls.CheckResult(LibC.PosixSpawnFileActionsAddDup2(actions, (int)stdin.DangerousGetHandle(), 0), "posix_spawn_file_actions_adddup2(stdin)");
            SpawnCalls.CheckResult(LibC.PosixSpawnFileActionsAddDup2(actions, (int)stdout.DangerousGetHandle(), 1), "posix_spawn_file_actions_adddup2(stdout)");
            SpawnCalls.CheckResult(LibC.PosixSpawnFileActionsAddDup2(actions, (int)stderr.DangerousGetHandle(), 2), "posix_spawn_file_actions_adddup2(stderr)");
            SpawnCalls.CheckResult(LibC.PosixSpawnFileActionsAddCloseFrom(actions, 3), "posix_spawn_file_actions_addclosefrom_np");
            SpawnCalls.CheckResult(LibC.PosixSpawnFileActionsAddChdir(actions, root), "posix_spawn_file_actions_addchdir_np");

            SpawnCalls.CheckResult(LibC.PosixSpawnAttrInit(attributes), "posix_spawnattr_init");
            attributesReady = true;
            SpawnCalls.CheckResult(
                LibC.PosixSpawnAttrSetFlags(attributes, LibC.POSIX_SPAWN_SETSID | LibC.POSIX_SPAWN_SETSIGMASK | LibC.POSIX_SPAWN_SETSIGDEF),
                "posix_spawnattr_setflags");
            SpawnCalls.CheckErrno(LibC.SigEmptySet(sigset), "sigemptyset");
            SpawnCalls.CheckResult(LibC.PosixSpawnAttrSetSigMask(attributes, sigset), "posix_spawnattr_setsigmask");
            SpawnCalls.CheckErrno(LibC.SigFillSet(sigset), "sigfillset");
            SpawnCalls.CheckResult(LibC.PosixSpawnAttrSetSigDefault(attributes, sigset), "posix_spawnattr_setsigdefault");

            int pid;
            var error = LibC.PosixSpawn(&pid, path, actions, attributes, argvArray, envArray);
            if (error != 0)
            {
                throw new Win32Exception(error, $"Cannot start '{executable}': {new Win32Exception(error).Message} (posix_spawn).");
            }

            return pid;
        }
        finally
        {
            if (addedStdin)
            {
                stdin.DangerousRelease();
            }

            if (addedStdout)
            {
                stdout.DangerousRelease();
            }

            if (addedStderr)
            {
                stderr.DangerousRelease();
            }

            // destroy only frees glibc's allocations and returns 0; a failure cannot be acted on here.
            if (actionsReady)
            {
                _ = LibC.PosixSpawnFileActionsDestroy(actions);
            }

            if (attributesReady)
            {
                _ = LibC.PosixSpawnAttrDestroy(attributes);
            }

            foreach (var s in strings)
            {
                NativeMemory.Free((void*)s);
            }

            NativeMemory.Free(argvArray);
            NativeMemory.Free(envArray);
            NativeMemory.Free(sigset);
            NativeMemory.Free(attributes);
            NativeMemory.Free(actions);
        }
    }

    private static unsafe byte* Utf8(string value, List<nint> owned)
    {
        var count = Encoding.UTF8.GetByteCount(value);
        var buffer = (byte*)NativeMemory.Alloc((nuint)count + 1);
        owned.Add((nint)buffer);
        Encoding.UTF8.GetBytes(value, new Span<byte>(buffer, count));
        buffer[count] = 0;
        return buffer;
    }
}
