namespace PrivSep.Shim.Tests.Support;

/// <summary>Asserts that a replacement fails exactly as the BCL member does: same exception type and parameter name.</summary>
internal static class SameFailure
{
    public static void Assert(Action bcl, Action shim)
    {
        Exception? expected = Capture(bcl);
        Microsoft.VisualStudio.TestTools.UnitTesting.Assert.IsNotNull(expected, "the BCL call was expected to fail");
        Exception? actual = Capture(shim);
        Microsoft.VisualStudio.TestTools.UnitTesting.Assert.IsNotNull(actual, $"expected {expected.GetType().Name} ({expected.Message}), the replacement succeeded");
        Microsoft.VisualStudio.TestTools.UnitTesting.Assert.AreEqual(expected.GetType(), actual.GetType(), actual.ToString());
        Microsoft.VisualStudio.TestTools.UnitTesting.Assert.AreEqual((expected as ArgumentException)?.ParamName, (actual as ArgumentException)?.ParamName, actual.Message);
    }

    public static Exception? Capture(Action action)
    {
        try
        {
            action();
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }
}
