namespace PrivSep.Broker.Audit;

/// <summary>
/// What the broker knows about one privileged request, or about a refused connection.
/// The identity fields come from <c>SO_PEERCRED</c>, never from what the client claims;
/// every text field may hold client-controlled text and is bounded and escaped when written.
/// </summary>
public sealed record AuditRecord
{
    /// <summary>Peer process id from <c>SO_PEERCRED</c>.</summary>
    public required int Pid { get; init; }

    /// <summary>Peer user id from <c>SO_PEERCRED</c>.</summary>
    public required uint Uid { get; init; }

    /// <summary>Peer group id from <c>SO_PEERCRED</c>.</summary>
    public required uint Gid { get; init; }

    /// <summary>The plugin as the client named it (untrusted text).</summary>
    public string? Plugin { get; init; }

    /// <summary>The action, e.g. <c>file.open</c>, <c>file.stat</c>, <c>ping</c>, <c>connect</c>.</summary>
    public required string Action { get; init; }

    /// <summary>Normalized arguments (untrusted text), written in this order.</summary>
    public IReadOnlyList<KeyValuePair<string, string?>> Args { get; init; } = [];

    /// <summary>The path the broker actually opened, read back from the descriptor.</summary>
    public string? ResolvedPath { get; init; }

    /// <summary><c>allow</c> or <c>deny</c>.</summary>
    public required string Decision { get; init; }

    /// <summary>The policy rule that decided, e.g. <c>files.read[0] "/var/log/**"</c>.</summary>
    public string? Rule { get; init; }

    /// <summary><c>ok</c> or an error code such as <c>denied</c>, <c>not-found</c>, <c>io-error</c>.</summary>
    public required string Outcome { get; init; }

    /// <summary>How long the action took.</summary>
    public long DurationMicroseconds { get; init; }
}
