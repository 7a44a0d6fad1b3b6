namespace PrivSep.Protocol.Framing;

/// <summary>
/// What one side accepts from its peer: the request names it serves, the notification names it tolerates (a
/// notification has no id, so nothing bounds it the way an awaited response bounds a request), and whether the
/// peer may send responses at all (only to a side that sends requests).
/// </summary>
public sealed record InboundMessageRules(IReadOnlySet<string> Requests, IReadOnlySet<string> Notifications, bool AcceptsResponses)
{
    /// <summary>For the error text: the tolerated notification names, or "nothing".</summary>
    public string DescribeNotifications() =>
        this.Notifications.Count == 0 ? "nothing" : string.Join(", ", this.Notifications.Order(StringComparer.Ordinal).Select(n => $"'{n}'"));
}
