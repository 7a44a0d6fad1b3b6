namespace PrivSep.Shim.Routing;

/// <summary>
/// For one call: which failures of the original BCL call are refusals for lack of privilege that the broker is asked to
/// overturn. Built per call because some answers depend on the call's paths or on what the call already consumed.
/// </summary>
internal readonly struct FallbackRule
{
    private readonly RuleKind kind;
    private readonly string? path;
    private readonly string? otherPath;
    private readonly LineSource? lines;

    private FallbackRule(RuleKind kind, string? path = null, string? otherPath = null, LineSource? lines = null)
    {
        this.kind = kind;
        this.path = path;
        this.otherPath = otherPath;
        this.lines = lines;
    }

    private enum RuleKind
    {
        File,
        MoveSource,
        Directory,
        Ping,
    }

    /// <summary>A call on files: refusals go to the broker, unless a path names a directory (the BCL refuses those itself).</summary>
    public static FallbackRule ForFile(string? path, string? otherPath = null) => new(RuleKind.File, path, otherPath);

    /// <summary>
    /// <see cref="File.Move(string, string)"/> checks that the source exists first, with a lookup that cannot tell "missing" from
    /// "inside a directory I may not search": its <see cref="FileNotFoundException"/> goes to the broker when the kernel refused the lookup.
    /// </summary>
    public static FallbackRule ForMove(string? source, string? destination) => new(RuleKind.MoveSource, source, destination);

    public static FallbackRule ForDirectory => new(RuleKind.Directory);

    public static FallbackRule ForPing => new(RuleKind.Ping);

    /// <summary>
    /// Once the caller's lines began to be consumed a retry would enumerate them twice (and they may be a one-shot query),
    /// so a refusal after that point is final.
    /// </summary>
    public FallbackRule UnlessConsumed(LineSource source) => new(this.kind, this.path, this.otherPath, source);

    public bool SendsToBroker(Exception exception)
    {
        if (this.lines is { Consumed: true })
        {
            return false;
        }

        return this.kind switch
        {
            RuleKind.File => PrivilegeRefusal.IsFileSystemRefusal(exception) && !this.NamesDirectory(),
            RuleKind.MoveSource => (PrivilegeRefusal.IsFileSystemRefusal(exception) && !this.NamesDirectory())
                || (exception is FileNotFoundException && PathProbe.CannotLook(this.path)),
            RuleKind.Directory => PrivilegeRefusal.IsFileSystemRefusal(exception),
            RuleKind.Ping => PrivilegeRefusal.IsPingRefusal(exception),
            _ => false,
        };
    }

    // Only consulted after a refusal, so the common path pays nothing. An unsearchable parent makes this false: then the
    // refusal may well be privilege, and the broker decides.
    private bool NamesDirectory() =>
        (this.path is not null && Directory.Exists(this.path)) || (this.otherPath is not null && Directory.Exists(this.otherPath));
}
