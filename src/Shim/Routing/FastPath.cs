namespace PrivSep.Shim.Routing;

/// <summary>
/// The fast path of DESIGN.md: run the original BCL call first and ask the broker only when the kernel refused it for
/// lack of privilege, so unprivileged work costs nothing extra and the audit log holds only privileged actions.
/// With <see cref="ShimSettings.RouteAllCallsToBroker"/> the original is skipped and every call goes to the broker.
/// </summary>
/// <remarks>
/// The brokered delegates validate their arguments as the BCL does before anything is sent, because with
/// <see cref="ShimSettings.RouteAllCallsToBroker"/> no original call has validated them.
/// </remarks>
internal static class FastPath
{
    /// <summary>False when every cataloged call goes straight to the broker.</summary>
    public static bool TriesOriginalFirst => !ShimSettings.Current.RouteAllCallsToBroker;

    public static T Run<T>(FallbackRule rule, Func<T> original, Func<T> brokered)
    {
        if (!TriesOriginalFirst)
        {
            return brokered();
        }

        try
        {
            return original();
        }
        catch (Exception ex) when (rule.SendsToBroker(ex))
        {
            // The refusal is overturned (or confirmed, with the policy rule named) by the broker below.
        }

        return brokered();
    }

    public static void Run(FallbackRule rule, Action original, Action brokered)
    {
        if (!TriesOriginalFirst)
        {
            brokered();
            return;
        }

        try
        {
            original();
            return;
        }
        catch (Exception ex) when (rule.SendsToBroker(ex))
        {
            // See Run<T>.
        }

        brokered();
    }

    /// <summary>
    /// Async form. The original may refuse synchronously (several BCL async members open the file before their first await)
    /// or through its task; both go to the broker. Argument errors the original throws synchronously stay synchronous.
    /// </summary>
    public static Task<T> RunAsync<T>(FallbackRule rule, Func<Task<T>> original, Func<Task<T>> brokered)
    {
        if (!TriesOriginalFirst)
        {
            return brokered();
        }

        Task<T> task;
        try
        {
            task = original();
        }
        catch (Exception ex) when (rule.SendsToBroker(ex))
        {
            return brokered();
        }

        return task.IsCompletedSuccessfully ? task : AwaitOrAskBroker(rule, task, brokered);
    }

    public static Task RunAsync(FallbackRule rule, Func<Task> original, Func<Task> brokered)
    {
        if (!TriesOriginalFirst)
        {
            return brokered();
        }

        Task task;
        try
        {
            task = original();
        }
        catch (Exception ex) when (rule.SendsToBroker(ex))
        {
            return brokered();
        }

        return task.IsCompletedSuccessfully ? task : AwaitOrAskBroker(rule, task, brokered);
    }

    private static async Task<T> AwaitOrAskBroker<T>(FallbackRule rule, Task<T> task, Func<Task<T>> brokered)
    {
        try
        {
            return await task.ConfigureAwait(false);
        }
        catch (Exception ex) when (rule.SendsToBroker(ex))
        {
            // Fall through to the broker.
        }

        return await brokered().ConfigureAwait(false);
    }

    private static async Task AwaitOrAskBroker(FallbackRule rule, Task task, Func<Task> brokered)
    {
        try
        {
            await task.ConfigureAwait(false);
            return;
        }
        catch (Exception ex) when (rule.SendsToBroker(ex))
        {
            // Fall through to the broker.
        }

        await brokered().ConfigureAwait(false);
    }
}
