using System.Diagnostics;
using System.Text.Json;

namespace PrivSep.EndToEnd.Tests.Fixture;

/// <summary>One result line the client prints per command.</summary>
internal sealed record AgentResult(string Command, bool Ok, string? Value, string? Error, string? Message)
{
    public override string ToString() => this.Ok ? $"{this.Command}: ok {this.Value}" : $"{this.Command}: {this.Error}: {this.Message}";
}

/// <summary>
/// The test client run as the unprivileged test user, with a clean environment (as a service manager would give
/// it): only the PrivSep settings, a fixed PATH and a harmless HOME.
/// </summary>
internal sealed class AgentProcess : IDisposable
{
    private readonly Process process;

    private AgentProcess(Process process)
    {
        this.process = process;
    }

    public int Pid => this.process.Id;

    public static AgentProcess Start(Deployment deployment, IReadOnlyDictionary<string, string>? environment, params string[] commands)
    {
        var start = new ProcessStartInfo(DotnetHost.Path)
        {
            UserName = TestUser.Name,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = deployment.Root,
        };
        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/local/bin:/usr/bin:/bin";
        start.Environment["HOME"] = deployment.Root;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["PRIVSEP_SOCKET"] = deployment.SocketPath;
        start.Environment["PRIVSEP_SECRET_FILE"] = deployment.SecretPath;
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        start.ArgumentList.Add(Path.Combine(deployment.Binaries, "PrivSep.EndToEnd.Client.dll"));
        foreach (var command in commands)
        {
            start.ArgumentList.Add(command);
        }

        return new AgentProcess(Process.Start(start)!);
    }

    public static IReadOnlyList<AgentResult> Run(Deployment deployment, params string[] commands) => Run(deployment, null, commands);

    public static IReadOnlyList<AgentResult> Run(Deployment deployment, IReadOnlyDictionary<string, string>? environment, params string[] commands)
    {
        using var agent = Start(deployment, environment, commands);
        return agent.ReadAll();
    }

    public AgentResult ReadOne()
    {
        var readLine = this.process.StandardOutput.ReadLineAsync();
        if (!readLine.Wait(TimeSpan.FromSeconds(60)) || readLine.Result is null)
        {
            throw new InvalidOperationException("The agent printed no result line. stderr: " + this.process.StandardError.ReadToEnd());
        }

        return Parse(readLine.Result);
    }

    public IReadOnlyList<AgentResult> ReadAll()
    {
        var stderr = this.process.StandardError.ReadToEndAsync();
        var lines = new List<AgentResult>();
        while (this.process.StandardOutput.ReadLine() is { } line)
        {
            lines.Add(Parse(line));
        }

        if (!this.process.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            this.process.Kill();
            throw new TimeoutException("The agent did not finish within 120 s.");
        }

        Assert.AreEqual(0, this.process.ExitCode, "agent exit code; stderr: " + stderr.Result);
        return lines;
    }

    public void Kill()
    {
        this.process.Kill();
        this.process.WaitForExit();
    }

    public void Dispose()
    {
        if (!this.process.HasExited)
        {
            this.process.Kill();
        }

        this.process.Dispose();
    }

    private static AgentResult Parse(string line)
    {
        using var json = JsonDocument.Parse(line);
        var root = json.RootElement;
        string? Text(string name) => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        return new AgentResult(Text("command")!, root.GetProperty("ok").GetBoolean(), Text("value"), Text("error"), Text("message"));
    }
}
