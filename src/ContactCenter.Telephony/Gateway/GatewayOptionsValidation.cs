using System.Net;
using ContactCenter.Media.Sessions;
using ContactCenter.Sip;
using Microsoft.Extensions.Options;

namespace ContactCenter.Telephony.Gateway;

/// <summary>Checks <c>Sip:*</c> at start; each failure names its key.</summary>
internal sealed class SipOptionsValidator : IValidateOptions<SipEndpointOptions>
{
    public ValidateOptionsResult Validate(string? name, SipEndpointOptions options)
    {
        var failures = new List<string>();
        if (!IPAddress.TryParse(options.ListenAddress, out _))
        {
            failures.Add($"Sip:ListenAddress must be an IP address (was '{options.ListenAddress}')");
        }

        if (options.Port is < 0 or > 65535)
        {
            failures.Add($"Sip:Port must be a port number from 0 to 65535 (was {options.Port})");
        }

        if (string.IsNullOrWhiteSpace(options.Realm))
        {
            failures.Add("Sip:Realm is empty");
        }

        if (options.MaxWebSocketConnections < 1)
        {
            failures.Add($"Sip:MaxWebSocketConnections must be at least 1 (was {options.MaxWebSocketConnections})");
        }

        if (options.MaxQueuedInvites < 1)
        {
            failures.Add($"Sip:MaxQueuedInvites must be at least 1 (was {options.MaxQueuedInvites})");
        }

        if (options.OverloadRetryAfter < TimeSpan.FromSeconds(1) || options.OverloadRetryAfter > TimeSpan.FromHours(1))
        {
            failures.Add($"Sip:OverloadRetryAfter must be between 00:00:01 and 01:00:00 (was {options.OverloadRetryAfter})");
        }

        if (!options.EnableUdp && !options.EnableTcp)
        {
            failures.Add("Sip:EnableUdp and Sip:EnableTcp are both false: the gateway would not listen");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>Checks <c>Media:*</c> at start.</summary>
internal sealed class MediaOptionsValidator : IValidateOptions<MediaOptions>
{
    public ValidateOptionsResult Validate(string? name, MediaOptions options)
    {
        var failures = options.Validate().Select(f => f.StartsWith("Media:", StringComparison.Ordinal) ? f : "Media: " + f).ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>Checks the gateway's own <c>Telephony:*</c> settings at start.</summary>
internal sealed class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        var failures = options.Validate().ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
