using System.Net;
using ContactCenter.Sip.Message;

namespace ContactCenter.Telephony.Configuration;

/// <summary>
/// An outbound trunk (trunks.yaml <c>outbound:</c>): where the gateway sends the calls it places (callbacks,
/// agents' outbound calls, IVR transfers), which numbers it may dial, and the caller id it presents.
/// </summary>
internal sealed record OutboundTrunk
{
    public required string Name { get; init; }
    /// <summary>The carrier's SIP address (IP and port).</summary>
    public required IPEndPoint Address { get; init; }
    public required SipProtocol Transport { get; init; }
    /// <summary>The number presented as the caller (From user part), E.164.</summary>
    public required string CallerId { get; init; }
    /// <summary>The numbers this trunk may dial.</summary>
    public required IReadOnlyList<DialPattern> Dial { get; init; }
    /// <summary>Digest credentials for the carrier's 401/407 challenge, if it asks.</summary>
    public (string User, string Password)? Credentials { get; init; }
    /// <summary>SDES-SRTP on calls to this trunk (<c>srtp:</c>); anything but off needs <see cref="SipProtocol.Tls"/>.</summary>
    public ContactCenter.Telephony.Gateway.Legs.SrtpPolicy Srtp { get; init; }
    /// <summary>How the trunk's TLS certificate is verified (transport tls only).</summary>
    public ContactCenter.Sip.Transport.SipTlsTrust? TlsTrust { get; init; }

    /// <summary>True when one of the trunk's patterns matches the number.</summary>
    public bool MayDial(string number)
    {
        foreach (var pattern in Dial)
        {
            if (pattern.Matches(number))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>
/// A dial pattern: digits match themselves, <c>X</c> any digit, <c>N</c> a digit 2-9, a final <c>*</c> any rest
/// (one digit or more); a leading <c>+</c> matches itself. <c>+44*</c> is every UK number, <c>+1NXXNXXXXXX</c> NANP.
/// </summary>
internal sealed record DialPattern(string Text)
{
    /// <summary>Why the text is not a pattern, or null.</summary>
    public static string? Check(string text)
    {
        if (text.Length == 0 || text.Length > 24)
        {
            return "a pattern is 1 to 24 characters";
        }

        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var ok = char.IsAsciiDigit(c) || c is 'X' or 'N' || (c == '+' && i == 0) || (c == '*' && i == text.Length - 1 && i > 0);
            if (!ok)
            {
                return $"'{c}' at position {i + 1} is not allowed (digits, X, N, a leading +, a final *)";
            }
        }

        return null;
    }

    public bool Matches(string number)
    {
        var open = Text.EndsWith('*');
        var fixedLength = open ? Text.Length - 1 : Text.Length;
        if (open ? number.Length <= fixedLength : number.Length != fixedLength)
        {
            return false;
        }

        for (var i = 0; i < number.Length; i++)
        {
            var n = number[i];
            if (i >= fixedLength)
            {
                if (!char.IsAsciiDigit(n))
                {
                    return false;
                }

                continue;
            }

            var ok = Text[i] switch
            {
                'X' => char.IsAsciiDigit(n),
                'N' => n is >= '2' and <= '9',
                var c => c == n,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>How a queue's callbacks are placed (queues.yaml, <c>callback:</c> of a queue).</summary>
internal sealed record QueueCallbackSettings
{
    /// <summary>Defaults for a queue without a <c>callback:</c> section.</summary>
    public static QueueCallbackSettings Default { get; } = new();

    /// <summary>Attempts in all before the callback is given up (busy, no answer, carrier failure).</summary>
    public int Attempts { get; init; } = 3;
    /// <summary>Wait between attempts.</summary>
    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>How long the customer's phone may ring before the attempt counts as not answered.</summary>
    public TimeSpan NoAnswer { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>Outbound dialling: the trunks in file order; the first that may dial a number carries it.</summary>
internal sealed class DialPlan(IReadOnlyList<OutboundTrunk> trunks)
{
    public IReadOnlyList<OutboundTrunk> Trunks { get; } = trunks;

    /// <summary>The trunk for an E.164 number, or null when no trunk may dial it.</summary>
    public OutboundTrunk? TrunkFor(string number)
    {
        foreach (var trunk in Trunks)
        {
            if (trunk.MayDial(number))
            {
                return trunk;
            }
        }

        return null;
    }

    /// <summary>The number in the form trunks dial: digits with a leading + kept; spaces, dashes, dots and brackets dropped.</summary>
    public static string? Normalise(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var chars = new List<char>(text.Length);
        foreach (var c in text.Trim())
        {
            if (char.IsAsciiDigit(c) || (c == '+' && chars.Count == 0))
            {
                chars.Add(c);
            }
            else if (c is not (' ' or '-' or '.' or '(' or ')'))
            {
                return null;
            }
        }

        var digits = chars.Count - (chars.Count > 0 && chars[0] == '+' ? 1 : 0);
        return digits is >= 3 and <= 16 ? new string([.. chars]) : null;
    }
}
