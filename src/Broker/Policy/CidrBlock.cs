using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace PrivSep.Broker.Policy;

/// <summary>
/// An IPv4 or IPv6 network from <c>ping.targets</c>, e.g. "10.0.0.0/8" or "::1/128"; a bare address
/// means that one host. Parsing is strict on purpose: <see cref="IPAddress.TryParse(string, out IPAddress)"/>
/// also accepts "10.1" or octal "010.0.0.1", which would silently allow a different network than
/// the one the operator meant to write.
/// </summary>
internal sealed class CidrBlock
{
    private readonly UInt128 _network;
    private readonly UInt128 _mask;

    private CidrBlock(AddressFamily family, UInt128 network, int prefixLength)
    {
        Family = family;
        PrefixLength = prefixLength;
        var bits = family == AddressFamily.InterNetwork ? 32 : 128;
        _mask = prefixLength == 0 ? UInt128.Zero : UInt128.MaxValue << (bits - prefixLength);
        if (family == AddressFamily.InterNetwork)
        {
            _mask &= uint.MaxValue;
        }

        _network = network & _mask;
    }

    public AddressFamily Family { get; }

    public int PrefixLength { get; }

    /// <summary>
    /// True when <paramref name="entry"/> is written as an address or network (it has a '/' or ':',
    /// or only digits and dots), so that a mistake in it is reported instead of the entry being read
    /// as a host name pattern that can never match.
    /// </summary>
    public static bool LooksLikeAddress(string entry) =>
        entry.Contains('/') || entry.Contains(':') || (entry.Length > 0 && entry.All(c => c is '.' or (>= '0' and <= '9')));

    public static bool TryParse(string entry, out CidrBlock? block, out string? error)
    {
        block = null;
        var slash = entry.LastIndexOf('/');
        var addressText = slash < 0 ? entry : entry[..slash];

        if (!TryParseAddress(addressText, out var family, out var value))
        {
            error = $"'{addressText}' is not an IPv4 address in dotted decimal (a.b.c.d) or an IPv6 address";
            return false;
        }

        var maxPrefix = family == AddressFamily.InterNetwork ? 32 : 128;
        var prefix = maxPrefix;
        if (slash >= 0)
        {
            var prefixText = entry[(slash + 1)..];
            if (!IsPlainDecimal(prefixText, maxDigits: 3)
                || !int.TryParse(prefixText, NumberStyles.None, CultureInfo.InvariantCulture, out prefix)
                || prefix > maxPrefix)
            {
                error = $"prefix length '{prefixText}' is out of range (0 to {maxPrefix} for {(maxPrefix == 32 ? "IPv4" : "IPv6")})";
                return false;
            }
        }

        // An IPv4-mapped IPv6 network is the IPv4 network it maps, because addresses are compared
        // as IPv4 when they are IPv4-mapped.
        if (family == AddressFamily.InterNetworkV6 && prefix >= 96 && (value >> 32) == 0xFFFF)
        {
            family = AddressFamily.InterNetwork;
            value &= uint.MaxValue;
            prefix -= 96;
        }

        var candidate = new CidrBlock(family, value, prefix);
        if (candidate._network != value)
        {
            // "10.0.0.1/8" is most likely a typo; say what the network really is rather than guess.
            error = $"'{entry}' has host bits set (did you mean {candidate}?)";
            return false;
        }

        block = candidate;
        error = null;
        return true;
    }

    /// <summary>Compares IPv4-mapped IPv6 addresses as the IPv4 addresses they map. Does not allocate.</summary>
    public bool Contains(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out var written))
        {
            return false;
        }

        AddressFamily family;
        UInt128 value;
        if (written == 4)
        {
            family = AddressFamily.InterNetwork;
            value = BinaryPrimitives.ReadUInt32BigEndian(bytes);
        }
        else
        {
            value = BinaryPrimitives.ReadUInt128BigEndian(bytes);
            family = (value >> 32) == 0xFFFF ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
            if (family == AddressFamily.InterNetwork)
            {
                value &= uint.MaxValue;
            }
        }

        return family == Family && (value & _mask) == _network;
    }

    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[16];
        IPAddress address;
        if (Family == AddressFamily.InterNetwork)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)_network);
            address = new IPAddress(bytes[..4]);
        }
        else
        {
            BinaryPrimitives.WriteUInt128BigEndian(bytes, _network);
            address = new IPAddress(bytes);
        }

        return $"{address}/{PrefixLength}";
    }

    private static bool TryParseAddress(string text, out AddressFamily family, out UInt128 value)
    {
        family = AddressFamily.Unspecified;
        value = UInt128.Zero;

        if (text.Contains(':'))
        {
            // A zone ("%eth0") names a link, not a network; refuse it rather than ignore it.
            if (text.Contains('%') || !IPAddress.TryParse(text, out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
            {
                return false;
            }

            Span<byte> bytes = stackalloc byte[16];
            v6.TryWriteBytes(bytes, out _);
            family = AddressFamily.InterNetworkV6;
            value = BinaryPrimitives.ReadUInt128BigEndian(bytes);
            return true;
        }

        var parts = text.Split('.');
        if (parts.Length != 4)
        {
            return false;
        }

        uint v4 = 0;
        foreach (var part in parts)
        {
            if (!IsPlainDecimal(part, maxDigits: 3)
                || !uint.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var octet)
                || octet > 255)
            {
                return false;
            }

            v4 = (v4 << 8) | octet;
        }

        family = AddressFamily.InterNetwork;
        value = v4;
        return true;
    }

    /// <summary>Digits only, no sign, no leading zero (which some parsers read as octal).</summary>
    private static bool IsPlainDecimal(string text, int maxDigits) =>
        text.Length is > 0 && text.Length <= maxDigits
        && text.All(char.IsAsciiDigit)
        && (text.Length == 1 || text[0] != '0');
}
