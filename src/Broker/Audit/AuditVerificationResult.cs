namespace PrivSep.Broker.Audit;

/// <summary>The outcome of <see cref="AuditChainVerifier.Verify"/> and <see cref="AuditChainVerifier.VerifySeries"/>.</summary>
/// <param name="IsValid">True when no problem was found.</param>
/// <param name="LineCount">Lines read, including an incomplete last line.</param>
/// <param name="LastSequence">The seq of the last line that parsed (0 for an empty log).</param>
/// <param name="Problems">What is wrong, in file order, head-file problems last.</param>
public sealed record AuditVerificationResult(
    bool IsValid,
    long LineCount,
    long LastSequence,
    IReadOnlyList<AuditProblem> Problems)
{
    /// <summary>
    /// The seq of the first line: 1 for a whole chain; more when the oldest file given was rotated out of a longer
    /// chain (it starts with an audit.rotate line) and the files before it were removed or not given.
    /// </summary>
    public long FirstSequence { get; init; }
}

/// <summary>One thing wrong with an audit log.</summary>
/// <param name="LineNumber">1-based line of its file; 0 for the head file or the log as a whole.</param>
/// <param name="Description">What is wrong and what it means, e.g.
/// "line 7: prev hash does not match line 6 — line 6 was edited, or a line between them was removed".</param>
public sealed record AuditProblem(long LineNumber, string Description);
