using System.CommandLine;
using PrivSep.Broker;
using PrivSep.Broker.Audit;
using PrivSep.Broker.Hosting;
using PrivSep.Broker.Policy;
using PrivSep.Protocol;
using PrivSep.Protocol.Handshake;

var policyOption = new Option<string>("--policy")
{
    Description = "The policy file (JSON, comments allowed): which agent users may connect and which files, ping targets and limits are allowed. Default deny.",
    Required = true,
};
var socketOption = new Option<string>("--socket")
{
    Description = "The Unix socket to listen on. Its directory is created root-owned 0750 with the agent user's group if missing; the socket is 0660.",
    DefaultValueFactory = _ => ProtocolDefaults.SocketPath,
};
var secretOption = new Option<string>("--secret-file")
{
    Description = "The shared secret both sides prove in the handshake (at least 32 bytes; 0640, root and the agent's group; never readable by others).",
    DefaultValueFactory = _ => ProtocolDefaults.SecretFilePath,
};
var auditOption = new Option<string>("--audit-log")
{
    Description = "The hash-chained JSONL audit log; its head file is written beside it as <log>.head.",
    DefaultValueFactory = _ => ProtocolDefaults.AuditLogPath,
};

var auditMaxBytesOption = new Option<long>("--audit-max-bytes")
{
    Description = "Rotate the audit log once it reaches this many bytes: the file is renamed <log>.<its last seq> and a new one continues the chain. 0: never by size (SIGUSR1 still rotates).",
    DefaultValueFactory = _ => AuditLogOptions.DefaultMaxFileBytes,
};
var auditKeepOption = new Option<int>("--audit-keep-files")
{
    Description = "Rotated audit files to keep; older ones the broker rotated out are deleted (and named in the new file's first line). 0, the default: keep all.",
    DefaultValueFactory = _ => 0,
};

var root = new RootCommand("privsep-broker: performs a fixed, policy-checked set of privileged actions (open files, ping) for unprivileged PrivSep agents, and audits every one. SIGHUP reloads the policy; SIGUSR1 rotates the audit log; SIGTERM stops.")
{
    policyOption, socketOption, secretOption, auditOption, auditMaxBytesOption, auditKeepOption,
};

root.SetAction(async (parseResult, cancellationToken) =>
{
    if (parseResult.GetValue(auditMaxBytesOption) < 0 || parseResult.GetValue(auditKeepOption) < 0)
    {
        BrokerLog.Error("--audit-max-bytes and --audit-keep-files take 0 (no limit) or a positive number; fix the command line.");
        return 2;
    }

    var options = new BrokerOptions
    {
        PolicyPath = parseResult.GetValue(policyOption)!,
        SocketPath = parseResult.GetValue(socketOption)!,
        SecretFilePath = parseResult.GetValue(secretOption)!,
        AuditLogPath = parseResult.GetValue(auditOption)!,
        Audit = new AuditLogOptions { MaxFileBytes = parseResult.GetValue(auditMaxBytesOption), KeepFiles = parseResult.GetValue(auditKeepOption) },
    };
    try
    {
        return await new BrokerHost(options).RunAsync(cancellationToken);
    }
    catch (Exception ex) when (ex is PolicyException or SharedSecretException or AuditLogException or BrokerStartupException)
    {
        BrokerLog.Error(ex.Message);
        return 2;
    }
});

// The broker handles SIGTERM/SIGINT itself, to drain connections and remove its socket.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
