using System.Net.NetworkInformation;
using System.Text.Json;

// Runs each command given on the command line and prints one JSON object per command:
// {"command":"read","ok":true,"value":"..."} or {"command":"read","ok":false,"error":"UnauthorizedAccessException","message":"..."}.
// "plugin DLL TYPE METHOD ARG" loads a plugin assembly from its folder and calls its static TYPE.METHOD(ARG) by reflection;
// "plugin-isolated DLL TYPE METHOD ARG" does the same with the plugin's folder first (the plugin runs on its own Shim copy);
// "plugin-resolver DLL TYPE METHOD ARG" loads it through an AssemblyDependencyResolver over the plugin's .deps.json (the documented host);
// "shim-copies" names every PrivSep.Shim loaded in the process (one, in the default context, when the plugin's unified with ours).
// "hold PATH SECONDS" keeps a brokered directory enumeration open and sleeps, so a test can kill this process mid-use.
// With --table first, a human-readable table of what was allowed and what was blocked is printed instead (the demo).
bool table = args.Length > 0 && args[0] == "--table";
var results = new List<Dictionary<string, object?>>();
for (int i = table ? 1 : 0; i < args.Length;)
{
    string command = args[i++];
    var result = new Dictionary<string, object?> { ["command"] = command, ["target"] = i < args.Length ? args[i] : null };
    try
    {
        result["value"] = command switch
        {
            "read" => Commands.Read(args[i++]),
            "write" => Commands.Write(args[i++], args[i++]),
            "append" => Commands.Append(args[i++], args[i++]),
            "delete" => Commands.Delete(args[i++]),
            "exists" => Commands.Exists(args[i++]),
            "list" => Commands.List(args[i++]),
            "mkdir" => Commands.MakeDirectory(args[i++]),
            "ping" => Commands.Ping(args[i++]),
            "direct-read" => File.ReadAllText(args[i++]),
            "direct-ping" => new Ping().Send(args[i++], 2000).Status.ToString(),
            "sleep" => Commands.Sleep(args[i++]),
            "plugin" => PluginCommands.Invoke(args[i++], args[i++], args[i++], args[i++]),
            "plugin-isolated" => PluginCommands.Invoke(args[i++], args[i++], args[i++], args[i++], isolated: true),
            "plugin-resolver" => PluginCommands.InvokeResolved(args[i++], args[i++], args[i++], args[i++]),
            "shim-copies" => PluginCommands.ShimCopies(),
            "hold" => Commands.Hold(args[i++], int.Parse(args[i++], System.Globalization.CultureInfo.InvariantCulture)),
            _ => throw new ArgumentException($"unknown command '{command}'"),
        };
        result["ok"] = true;
    }
    catch (Exception ex)
    {
        result["ok"] = false;
        result["error"] = ex.GetType().Name;
        result["message"] = ex.Message;
    }

    if (!table)
    {
        Console.WriteLine(JsonSerializer.Serialize(result));
        Console.Out.Flush();
    }

    results.Add(result);
}

if (table)
{
    OutcomeTable.Print(results);
}

return 0;
