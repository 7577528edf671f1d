using ContactCenter.Contracts;
using System.Net;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Registrar;
using ContactCenter.Sip.Transactions;
using ContactCenter.Sip.UserAgent;

namespace ContactCenter.Telephony.Gateway.Legs;

/// <summary>How the gateway reaches a registered phone, and how it names a caller in a SIP URI.</summary>
internal static class AgentPhone
{
    /// <summary>
    /// Where to send the INVITE for a registration. A phone that registered over TCP is reached over
    /// its own connection; a phone whose Contact names another IP address than the one its REGISTER
    /// came from is behind NAT and is reached at that source (like Asterisk's nat=force_rport,comedia).
    /// Otherwise the Contact is used as the phone gave it.
    /// </summary>
    public static SipDestination? Route(RegistrarBinding binding)
    {
        if (binding.Source is not { } source)
        {
            return null;
        }

        var natted = !IPAddress.TryParse(binding.Contact.Host.Trim('[', ']'), out var contactAddress)
            || !contactAddress.Equals(source.RemoteEndPoint.Address);
        return source.Protocol != SipProtocol.Udp || natted ? new SipDestination(source.Protocol, source.RemoteEndPoint) : null;
    }

    /// <summary>A browser phone: registered over the WebSocket transport (RFC 7118), so it speaks WebRTC media.</summary>
    public static bool IsBrowser(RegistrarBinding binding) =>
        binding.Source?.Protocol.IsWebSocket() == true || binding.BoundTo?.Protocol.IsWebSocket() == true;

    /// <summary>
    /// The registrations to ring for an agent whose directory entry says <paramref name="kind"/>: every one for
    /// <see cref="PhoneKind.Both"/>, only browsers or only SIP phones otherwise.
    /// </summary>
    public static IReadOnlyList<RegistrarBinding> Ringable(IReadOnlyList<RegistrarBinding> bindings, PhoneKind kind) => kind switch
    {
        PhoneKind.Both => bindings,
        PhoneKind.Browser => [.. bindings.Where(IsBrowser)],
        PhoneKind.Sip => [.. bindings.Where(b => !IsBrowser(b))],
    };

    /// <summary>Why nothing can be rung: "agent phone not registered", or which kind is missing.</summary>
    public static string NothingToRing(IReadOnlyList<RegistrarBinding> registered, PhoneKind kind) => registered.Count == 0
        ? "agent phone not registered"
        : kind == PhoneKind.Browser
            ? "agent phone not registered (the directory says browser; only SIP phones are registered)"
            : "agent phone not registered (the directory says SIP phone; only a browser is registered)";

    /// <summary>A caller's number as a SIP URI user part (letters, digits, + - . _; "anonymous" when nothing is left).</summary>
    public static string SipUser(string caller)
    {
        var chars = new List<char>(caller.Length);
        foreach (var c in caller)
        {
            if (char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.' or '_')
            {
                chars.Add(c);
            }
        }

        return chars.Count == 0 ? "anonymous" : new string([.. chars]);
    }
}
