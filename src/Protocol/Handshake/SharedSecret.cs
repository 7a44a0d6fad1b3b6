namespace PrivSep.Protocol.Handshake;

/// <summary>
/// The key both sides prove they hold during the handshake. It is read from a file the deployment creates
/// (0640, root and the agent's group) and never crosses the socket.
/// </summary>
public sealed class SharedSecret
{
    /// <summary>At least 256 bits of key material: `head -c 32 /dev/urandom | base64` gives 44 characters.</summary>
    public const int MinimumLength = 32;

    private readonly byte[] key;

    public SharedSecret(ReadOnlySpan<byte> key)
    {
        if (key.Length < MinimumLength)
        {
            throw new ArgumentException($"The shared secret must be at least {MinimumLength} bytes long.", nameof(key));
        }

        this.key = key.ToArray();
    }

    internal ReadOnlySpan<byte> Key => this.key;

    /// <summary>Reads the secret file; every failure names the file, the cause and the fix.</summary>
    /// <param name="requirePrivateMode">The broker refuses a file that others can read or anyone but the owner can write.</param>
    public static SharedSecret Load(string path, bool requirePrivateMode = false)
    {
        const string Fix = "create it with `head -c 32 /dev/urandom | base64 > FILE` and `chmod 0640 FILE` (owner root, group of the agent user)";
        byte[] content;
        try
        {
            content = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            throw new SharedSecretException($"The shared secret file '{path}' does not exist: {Fix.Replace("FILE", path)}.");
        }
        catch (DirectoryNotFoundException)
        {
            throw new SharedSecretException($"The shared secret file '{path}' does not exist (its directory is missing): {Fix.Replace("FILE", path)}.");
        }
        catch (UnauthorizedAccessException)
        {
            throw new SharedSecretException($"The shared secret file '{path}' cannot be read by uid {Interop.LibC.GetUid()}: add this user to the file's group (mode 0640) or point {ProtocolDefaults.SecretFileEnvironmentVariable} at a secret it can read.");
        }
        catch (IOException ex)
        {
            throw new SharedSecretException($"The shared secret file '{path}' could not be read: {ex.Message}");
        }

        if (requirePrivateMode)
        {
            var mode = File.GetUnixFileMode(path);
            if ((mode & (UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute | UnixFileMode.GroupWrite)) != 0)
            {
                throw new SharedSecretException($"The shared secret file '{path}' is readable or writable by others (mode {Convert.ToString((int)mode, 8)}): run `chmod 0640 {path}`.");
            }
        }

        var trimmed = content.AsSpan().Trim("\r\n\t "u8);
        if (trimmed.Length < MinimumLength)
        {
            throw new SharedSecretException($"The shared secret file '{path}' holds {trimmed.Length} bytes; at least {MinimumLength} are needed: {Fix.Replace("FILE", path)}.");
        }

        return new SharedSecret(trimmed);
    }
}

public sealed class SharedSecretException : IOException
{
    public SharedSecretException(string message)
        : base(message)
    {
    }
}
