using System.Globalization;

namespace ContactCenter.Media.Dtmf;

/// <summary>
/// Parses the bodies of SIP INFO DTMF: <c>application/dtmf-relay</c> (<c>Signal=5</c>,
/// <c>Duration=160</c> lines, as Cisco and most trunks send) and <c>application/dtmf</c>
/// (the bare digit, or the event code as a number).
/// </summary>
public static class DtmfRelayParser
{
    /// <summary>Default duration when the body gives none.</summary>
    public static readonly TimeSpan DefaultDuration = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Reads a digit from an INFO body. <paramref name="contentType"/> is the Content-Type
    /// header value (parameters allowed). Returns false, with a reason in <paramref name="error"/>,
    /// for other content types and malformed bodies; never throws.
    /// </summary>
    public static bool TryParse(string contentType, string body, out char digit, out TimeSpan duration, out string? error)
    {
        ArgumentNullException.ThrowIfNull(contentType);
        ArgumentNullException.ThrowIfNull(body);
        digit = default;
        duration = DefaultDuration;
        error = null;
        string mediaType = contentType.Split(';', 2)[0].Trim();
        if (mediaType.Equals("application/dtmf", StringComparison.OrdinalIgnoreCase))
        {
            return TryReadSignal(body.Trim(), out digit, out error);
        }

        if (!mediaType.Equals("application/dtmf-relay", StringComparison.OrdinalIgnoreCase))
        {
            error = $"Content-Type '{mediaType}' is not application/dtmf-relay or application/dtmf.";
            return false;
        }

        string? signal = null;
        foreach (string rawLine in body.Split('\n'))
        {
            string line = rawLine.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            int equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                continue;
            }

            string name = line[..equals].Trim();
            string value = line[(equals + 1)..].Trim();
            if (name.Equals("Signal", StringComparison.OrdinalIgnoreCase))
            {
                signal = value;
            }
            else if (name.Equals("Duration", StringComparison.OrdinalIgnoreCase))
            {
                if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int ms) || ms <= 0 || ms > 60_000)
                {
                    error = $"dtmf-relay Duration '{value}' is not a number of milliseconds (1-60000).";
                    return false;
                }

                duration = TimeSpan.FromMilliseconds(ms);
            }
        }

        if (signal is null)
        {
            error = "dtmf-relay body has no Signal= line.";
            return false;
        }

        return TryReadSignal(signal, out digit, out error);
    }

    private static bool TryReadSignal(string signal, out char digit, out string? error)
    {
        digit = default;
        error = null;
        if (signal.Length == 1 && DtmfDigits.IsDigit(signal[0]))
        {
            digit = char.ToUpperInvariant(signal[0]);
            return true;
        }

        if (int.TryParse(signal, NumberStyles.None, CultureInfo.InvariantCulture, out int code) && DtmfDigits.FromEventCode(code) is { } mapped)
        {
            digit = mapped;
            return true;
        }

        error = $"DTMF signal '{signal}' is not one of 0-9, *, #, A-D.";
        return false;
    }
}
