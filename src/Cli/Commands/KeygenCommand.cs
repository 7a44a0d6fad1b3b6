using System.CommandLine;
using PrivSep.Rewriter.Manifest;

namespace PrivSep.Cli.Commands;

/// <summary><c>privsep keygen --out KEY.pem [--force]</c>: a new ECDSA P-256 manifest signing key pair.</summary>
internal static class KeygenCommand
{
    public static Command Create(CliContext context)
    {
        var outOption = new Option<string>("--out")
        {
            Description = "The private key to write (PKCS#8 PEM, mode 0600). The public key is written beside it as <name>.pub.pem.",
            Required = true,
            HelpName = "KEY.pem",
        };
        var forceOption = new Option<bool>("--force") { Description = "Replace existing key files (signatures made with the old key will no longer verify)." };
        var command = new Command("keygen", "Creates an ECDSA P-256 key pair for signing manifests. Exit 0 written, 2 when a key file exists (without --force) or cannot be written.")
        {
            outOption, forceOption,
        };
        command.SetAction((parseResult, _) =>
        {
            string privatePath = parseResult.GetValue(outOption)!;
            try
            {
                string publicPath = ManifestKeys.Generate(privatePath, parseResult.GetValue(forceOption));
                context.Out.WriteLine($"wrote the private key {privatePath} (mode 0600; keep it secret, it signs manifests)");
                context.Out.WriteLine($"wrote the public key {publicPath} (give it to hosts: privsep verify DIR --public-key {publicPath})");
                return Task.FromResult(ExitCodes.Success);
            }
            catch (ManifestException e)
            {
                return Task.FromResult(context.Fail("keygen", e.Message));
            }
        });
        return command;
    }
}
