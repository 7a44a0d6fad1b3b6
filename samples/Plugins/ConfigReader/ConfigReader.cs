using MonitoringAgent.Contracts;

namespace Plugins.ConfigReader;

/// <summary>Reads database credentials from a root-only INI file, like /etc/mysql/debian.cnf, to log in to the server it monitors.</summary>
public sealed class ConfigReader : IMonitoringPlugin
{
    private readonly string path = HostPaths.Of("/etc/mysql/debian.cnf");

    public string Name => "ConfigReader";

    public IEnumerable<CheckResult> RunChecks()
    {
        string action = $"read {this.path}";
        try
        {
            string section = string.Empty;
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (string raw in File.ReadAllLines(this.path))
            {
                string line = raw.Trim();
                if (line.Length == 0 || line[0] is '#' or ';')
                {
                    continue;
                }

                if (line[0] == '[' && line[^1] == ']')
                {
                    section = line[1..^1];
                    continue;
                }

                int equals = line.IndexOf('=');
                if (equals > 0)
                {
                    values[$"{section}.{line[..equals].Trim()}"] = line[(equals + 1)..].Trim();
                }
            }

            string user = values.GetValueOrDefault("client.user", "?");
            bool hasPassword = values.ContainsKey("client.password");
            return [CheckResult.Success(action, $"[client] user={user}, password {(hasPassword ? "present" : "missing")}")];
        }
        catch (Exception e)
        {
            return [CheckResult.Failure(action, e)];
        }
    }
}
