using Microsoft.Extensions.Options;

namespace ContactCenter.Telephony.Web;

/// <summary>SIP over WebSocket at <c>/sip</c> on the web port (section <c>Telephony:WebSocket</c>).</summary>
internal sealed class SipWebSocketOptions
{
    public const string Section = "Telephony:WebSocket";

    /// <summary>Map <c>/sip</c> at all (<c>Telephony:WebSocket:Enabled</c>, default true). False: browsers cannot be phones or callers.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Origins other than the product's own whose pages may open <c>/sip</c> (<c>Telephony:WebSocket:AllowedOrigins</c>),
    /// e.g. <c>https://www.example.com</c>: scheme, host and port only. Pages of the origin the request is addressed to are
    /// always allowed; clients that send no Origin (softphones, not browsers) too.
    /// </summary>
    public List<string> AllowedOrigins { get; set; } = [];

    /// <summary>
    /// How often the server pings each browser (<c>Telephony:WebSocket:KeepAliveInterval</c>, default 15 s); a browser that
    /// has not answered within the same time again is taken as gone: its connection closes and its phone unregisters.
    /// </summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The allowed origins, normalised (scheme://host:port, lower case), once validated.</summary>
    internal IReadOnlySet<string> NormalisedOrigins => AllowedOrigins.Select(o => Normalise(o)!).ToHashSet(StringComparer.Ordinal);

    /// <summary>An origin as scheme://host:port in lower case (the port always written), or null when the text is not one.</summary>
    internal static string? Normalise(string? origin)
    {
        if (string.IsNullOrWhiteSpace(origin) || !Uri.TryCreate(origin.Trim(), UriKind.Absolute, out var uri)
            || uri.Scheme is not ("http" or "https") || uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0
            || uri.UserInfo.Length > 0 || origin.Trim().EndsWith('/'))
        {
            return null;
        }

        var host = uri.HostNameType == UriHostNameType.IPv6 ? uri.Host : uri.IdnHost;
        return $"{uri.Scheme}://{host.ToLowerInvariant()}:{uri.Port}";
    }
}

/// <summary>Checks <c>Telephony:WebSocket:*</c> at start; each failure names its key.</summary>
internal sealed class SipWebSocketOptionsValidator : IValidateOptions<SipWebSocketOptions>
{
    public ValidateOptionsResult Validate(string? name, SipWebSocketOptions options)
    {
        var failures = new List<string>();
        for (var i = 0; i < options.AllowedOrigins.Count; i++)
        {
            if (SipWebSocketOptions.Normalise(options.AllowedOrigins[i]) is null)
            {
                failures.Add($"{SipWebSocketOptions.Section}:AllowedOrigins:{i} '{options.AllowedOrigins[i]}' is not an origin: write scheme://host[:port], e.g. https://www.example.com (no path, no trailing slash)");
            }
        }

        if (options.KeepAliveInterval < TimeSpan.FromSeconds(1) || options.KeepAliveInterval > TimeSpan.FromMinutes(10))
        {
            failures.Add($"{SipWebSocketOptions.Section}:KeepAliveInterval {options.KeepAliveInterval} must be from 00:00:01 to 00:10:00");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
