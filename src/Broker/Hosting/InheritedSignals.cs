using PrivSep.Broker.Exec;
using PrivSep.Broker.Interop;

namespace PrivSep.Broker.Hosting;

/// <summary>
/// Undoes what a parent may leave on the signals the broker answers (SIGHUP reloads, SIGTERM and SIGINT stop).
/// <para>
/// A disposition of SIG_IGN survives exec, and <c>nohup</c>, some supervisors and shells starting a background job
/// set it; a blocked signal survives exec too. .NET's <see cref="PosixSignalRegistration"/> does not change an
/// inherited SIG_IGN (verified: such a broker ignored SIGHUP silently and never reloaded), so before registering the
/// broker puts an ignored signal back to its default and unblocks it on the calling thread (which then receives it;
/// the runtime's handler forwards it to the registrations). A handler the runtime already installed is left alone.
/// </para>
/// </summary>
internal static class InheritedSignals
{
    /// <summary>Resets each ignored signal of <paramref name="signals"/> to SIG_DFL and unblocks them all; returns the ones that were ignored.</summary>
    public static unsafe IReadOnlyList<int> Reset(params int[] signals)
    {
        var wasIgnored = new List<int>();
        foreach (int signal in signals)
        {
            LibC.SigAction current;
            SpawnCalls.CheckErrno(LibC.SigActionCall(signal, null, &current), "sigaction(query)");
            if (current.Handler == LibC.SIG_IGN)
            {
                var reset = default(LibC.SigAction);
                reset.Handler = LibC.SIG_DFL;
                SpawnCalls.CheckErrno(LibC.SigActionCall(signal, &reset, null), "sigaction(SIG_DFL)");
                wasIgnored.Add(signal);
            }
        }

        var set = stackalloc byte[LibC.SigSetSize];
        SpawnCalls.CheckErrno(LibC.SigEmptySet(set), "sigemptyset");
        foreach (int signal in signals)
        {
            SpawnCalls.CheckErrno(LibC.SigAddSet(set, signal), "sigaddset");
        }

        SpawnCalls.CheckResult(LibC.PthreadSigMask(LibC.SIG_UNBLOCK, set, null), "pthread_sigmask(SIG_UNBLOCK)");

        return wasIgnored;
    }
}
