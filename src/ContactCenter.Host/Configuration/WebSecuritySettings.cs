using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace ContactCenter.Host.Configuration;

/// <summary>
/// Who may read the monitoring endpoints, and which reverse proxies are trusted (ADR 0015):
/// <list type="bullet">
/// <item><c>Monitoring:AllowedNetworks</c>: addresses or CIDR ranges (comma-separated or an array) whose requests get
/// <c>/metrics</c> and the details of <c>/health/ready</c>; default loopback only (127.0.0.0/8, ::1).</item>
/// <item><c>Monitoring:Token</c>: optional; a request with <c>Authorization: Bearer &lt;token&gt;</c> gets them from anywhere
/// (at least 32 characters).</item>
/// <item><c>Web:TrustedProxies</c>: addresses or CIDR ranges of reverse proxies whose <c>X-Forwarded-For</c> and
/// <c>X-Forwarded-Proto</c> are believed (the client address for the sign-in limits, HTTPS for the Secure cookie); default none.</item>
/// </list>
/// </summary>
internal sealed record WebSecuritySettings(IReadOnlyList<IPNetwork> MonitoringNetworks, string? MonitoringToken, IReadOnlyList<IPNetwork> TrustedProxies)
{
    public const string MonitoringNetworksKey = "Monitoring:AllowedNetworks";
    public const string MonitoringTokenKey = "Monitoring:Token";
    public const string TrustedProxiesKey = "Web:TrustedProxies";
    public const int MinimumTokenLength = 32;

    private static readonly IPNetwork[] Loopback = [IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("::1/128")];

    public static WebSecuritySettings Read(IConfiguration configuration)
    {
        var networks = ReadNetworks(configuration, MonitoringNetworksKey) ?? Loopback;
        var token = configuration[MonitoringTokenKey];
        if (string.IsNullOrEmpty(token))
        {
            token = null;
        }
        else if (token.Length < MinimumTokenLength)
        {
            throw new ConfigurationError(MonitoringTokenKey, $"must be at least {MinimumTokenLength} characters (was {token.Length})");
        }

        var proxies = ReadNetworks(configuration, TrustedProxiesKey) ?? [];
        return new WebSecuritySettings(networks, token, proxies);
    }

    /// <summary>True when the request may read metrics and health details: from a monitoring network, or with the token.</summary>
    public bool MayMonitor(HttpContext context)
    {
        var remote = context.Connection.RemoteIpAddress;
        if (remote is not null)
        {
            if (remote.IsIPv4MappedToIPv6)
            {
                remote = remote.MapToIPv4();
            }

            foreach (var network in MonitoringNetworks)
            {
                if (network.Contains(remote))
                {
                    return true;
                }
            }
        }

        if (MonitoringToken is null)
        {
            return false;
        }

        var header = context.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        return header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
            && CryptographicOperations.FixedTimeEquals(
                Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()), Encoding.UTF8.GetBytes(MonitoringToken));
    }

    /// <summary>The networks of a key (a comma-separated string or an array), or null when it is not set.</summary>
    private static IPNetwork[]? ReadNetworks(IConfiguration configuration, string key)
    {
        var section = configuration.GetSection(key);
        var items = section.Value is { } single
            ? single.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : section.GetChildren().Select(c => c.Value?.Trim() ?? "").ToArray();
        if (section.Value is null && items.Length == 0)
        {
            return null;
        }

        var networks = new IPNetwork[items.Length];
        for (var i = 0; i < items.Length; i++)
        {
            var item = items[i];
            if (IPNetwork.TryParse(item, out var network))
            {
                networks[i] = network;
            }
            else if (IPAddress.TryParse(item, out var address))
            {
                networks[i] = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            }
            else
            {
                throw new ConfigurationError(key, $"'{item}' is not an IP address or a CIDR range (e.g. 10.0.0.0/8, 192.168.1.5)");
            }
        }

        return networks;
    }
}
