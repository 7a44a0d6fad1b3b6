using System.CommandLine;
using PrivSep.Rewriter.Manifest;

namespace PrivSep.Cli.Commands;

/// <summary><c>privsep verify DIR --public-key KEY.pub.pem</c>: the host's load-time check, from the command line.</summary>
internal static class VerifyCommand
{
    public static Command Create(CliContext context)
    {
        var dirArgument = new Argument<string>("dir") { Description = "The rewritten plugin folder (holding privsep.manifest.json and privsep.manifest.sig)." };
        var keyOption = new Option<string>("--public-key")
        {
            Description = "The public key (the .pub.pem privsep keygen wrote) the manifest must be signed with.",
            Required = true,
            HelpName = "KEY.pub.pem",
        };
        var command = new Command(
            "verify",
            "Checks that the folder's manifest is validly signed and that every file in it (recursively, whatever its name: assemblies, native libraries, data) has exactly the hash the manifest lists, with nothing missing, nothing extra and no symbolic link. "
            + "Exit 0 valid, 1 invalid (each problem printed), 2 input error.")
        {
            dirArgument, keyOption,
        };
        command.SetAction((parseResult, _) => Task.FromResult(Run(context, parseResult.GetValue(dirArgument)!, parseResult.GetValue(keyOption)!)));
        return command;
    }

    private static int Run(CliContext context, string directory, string publicKeyPath)
    {
        if (!Directory.Exists(directory))
        {
            return context.Fail("verify", $"the folder {directory} does not exist (pass the folder privsep rewrite wrote)");
        }

        ManifestVerification verification;
        try
        {
            verification = ManifestVerifier.VerifyFolder(directory, publicKeyPath);
        }
        catch (ManifestException e)
        {
            return context.Fail("verify", e.Message);
        }

        if (verification.IsValid)
        {
            var manifest = verification.Manifest!;
            context.Out.WriteLine($"{directory}: valid — {manifest.Files.Count} files match the signed manifest ({manifest.Assemblies.Count} assemblies, {manifest.Runtime.Count} runtime files, {manifest.Files.Count - manifest.Assemblies.Count - manifest.Runtime.Count} other files)");
            return ExitCodes.Success;
        }

        foreach (string problem in verification.Problems)
        {
            context.Out.WriteLine($"{directory}: {problem}");
        }

        context.Out.WriteLine($"{directory}: INVALID — {verification.Problems.Count} problem(s); a host will refuse to load this folder");
        return ExitCodes.Findings;
    }
}
