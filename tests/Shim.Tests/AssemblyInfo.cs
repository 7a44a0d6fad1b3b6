// The Shim's routing reads process-wide state (ShimSettings.Current, BrokerActions.Current) that the tests swap.
[assembly: Microsoft.VisualStudio.TestTools.UnitTesting.DoNotParallelize]
