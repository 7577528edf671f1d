using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace ContactCenter.Sip.Sdp;

/// <summary>Media direction attribute (RFC 3264 §5.1, §6.1).</summary>
public enum MediaDirection
{
    /// <summary>a=sendrecv (the default).</summary>
    SendRecv,
    /// <summary>a=sendonly (e.g. the side putting the other on hold).</summary>
    SendOnly,
    /// <summary>a=recvonly.</summary>
    RecvOnly,
    /// <summary>a=inactive.</summary>
    Inactive,
}

/// <summary>An SDP attribute line (a=name[:value]).</summary>
public sealed record SdpAttribute(string Name, string? Value)
{
    /// <inheritdoc/>
    public override string ToString() => Value is null ? Name : Name + ":" + Value;
}

/// <summary>The o= line.</summary>
public sealed record SdpOrigin(string UserName, ulong SessionId, ulong SessionVersion, string AddressType, string Address)
{
    /// <inheritdoc/>
    public override string ToString() =>
        $"{UserName} {SessionId.ToString(CultureInfo.InvariantCulture)} {SessionVersion.ToString(CultureInfo.InvariantCulture)} IN {AddressType} {Address}";
}

/// <summary>An m= section with its c= and a= lines.</summary>
public sealed class MediaDescription
{
    /// <summary>Media type: audio, video...</summary>
    public required string Media { get; set; }
    /// <summary>Transport port (0 = rejected/disabled stream).</summary>
    public int Port { get; set; }
    /// <summary>Transport protocol, e.g. RTP/AVP.</summary>
    public string Protocol { get; set; } = "RTP/AVP";
    /// <summary>Format list (payload type numbers for RTP).</summary>
    public List<string> Formats { get; } = [];
    /// <summary>Media-level connection address, or null to use the session's.</summary>
    public string? ConnectionAddress { get; set; }
    /// <summary>IP4 or IP6 for <see cref="ConnectionAddress"/>.</summary>
    public string ConnectionAddressType { get; set; } = "IP4";
    /// <summary>Attributes in order (direction attributes included).</summary>
    public List<SdpAttribute> Attributes { get; } = [];
    /// <summary>Other lines (b=, i=, k=) kept verbatim as "x=value".</summary>
    public List<string> OtherLines { get; } = [];

    /// <summary>The direction (a=sendrecv when none is given).</summary>
    public MediaDirection? DirectionAttribute
    {
        get
        {
            foreach (var a in Attributes)
            {
                switch (a.Name)
                {
                    case "sendrecv": return MediaDirection.SendRecv;
                    case "sendonly": return MediaDirection.SendOnly;
                    case "recvonly": return MediaDirection.RecvOnly;
                    case "inactive": return MediaDirection.Inactive;
                    default: break;
                }
            }
            return null;
        }
    }

    /// <summary>Sets the direction attribute, replacing any other.</summary>
    public void SetDirection(MediaDirection direction)
    {
        Attributes.RemoveAll(a => a.Name is "sendrecv" or "sendonly" or "recvonly" or "inactive");
        Attributes.Add(new SdpAttribute(SdpText.Direction(direction), null));
    }

    /// <summary>rtpmap of a payload type: (encoding name, clock rate), from a=rtpmap or the static table.</summary>
    public (string Encoding, int ClockRate)? RtpMap(string payloadType)
    {
        foreach (var a in Attributes)
        {
            if (a.Name == "rtpmap" && a.Value is { } v)
            {
                var sp = v.IndexOf(' ', StringComparison.Ordinal);
                if (sp > 0 && v.AsSpan(0, sp).SequenceEqual(payloadType))
                {
                    var enc = v[(sp + 1)..].Split('/');
                    var rate = enc.Length > 1 && int.TryParse(enc[1], NumberStyles.None, CultureInfo.InvariantCulture, out var r) ? r : 8000;
                    return (enc[0], rate);
                }
            }
        }
        return payloadType switch
        {
            "0" => ("PCMU", 8000),
            "8" => ("PCMA", 8000),
            "3" => ("GSM", 8000),
            "4" => ("G723", 8000),
            "9" => ("G722", 8000),
            "18" => ("G729", 8000),
            _ => null,
        };
    }

    /// <summary>a=ptime in milliseconds, or null.</summary>
    public int? Ptime
    {
        get
        {
            foreach (var a in Attributes)
            {
                if (a.Name == "ptime" && int.TryParse(a.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var p))
                {
                    return p;
                }
            }
            return null;
        }
    }

    /// <summary>The first value of an attribute, or null.</summary>
    public string? Attribute(string name) => Attributes.Find(a => a.Name == name)?.Value;
}

/// <summary>An SDP session description (RFC 4566).</summary>
public sealed class SessionDescription
{
    /// <summary>o= line.</summary>
    public required SdpOrigin Origin { get; set; }
    /// <summary>s= line.</summary>
    public string SessionName { get; set; } = "-";
    /// <summary>Session-level connection address, or null.</summary>
    public string? ConnectionAddress { get; set; }
    /// <summary>IP4 or IP6 for <see cref="ConnectionAddress"/>.</summary>
    public string ConnectionAddressType { get; set; } = "IP4";
    /// <summary>t= line.</summary>
    public string Timing { get; set; } = "0 0";
    /// <summary>Session-level attributes.</summary>
    public List<SdpAttribute> Attributes { get; } = [];
    /// <summary>Other session-level lines (i=, u=, e=, p=, b=, z=, k=, r=) verbatim as "x=value".</summary>
    public List<string> OtherLines { get; } = [];
    /// <summary>Media sections in order.</summary>
    public List<MediaDescription> Media { get; } = [];

    /// <summary>The connection address in force for a media section.</summary>
    public string? ConnectionFor(MediaDescription m) => m.ConnectionAddress ?? ConnectionAddress;

    /// <summary>The direction in force for a media section (media, then session level, default sendrecv).</summary>
    public MediaDirection DirectionFor(MediaDescription m)
    {
        if (m.DirectionAttribute is { } d)
        {
            return d;
        }
        foreach (var a in Attributes)
        {
            switch (a.Name)
            {
                case "sendonly": return MediaDirection.SendOnly;
                case "recvonly": return MediaDirection.RecvOnly;
                case "inactive": return MediaDirection.Inactive;
                default: break;
            }
        }
        return MediaDirection.SendRecv;
    }

    /// <summary>Parses SDP text; the error names the faulty line.</summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out SessionDescription? sdp, [NotNullWhen(false)] out string? error)
    {
        sdp = null;
        SdpOrigin? origin = null;
        string? sessionName = null;
        string? conn = null;
        var connType = "IP4";
        var timing = "0 0";
        var sessionAttrs = new List<SdpAttribute>();
        var other = new List<string>();
        var media = new List<MediaDescription>();
        MediaDescription? cur = null;
        var lineNo = 0;
        var sawVersion = false;
        foreach (var rawLine in text.Split('\n'))
        {
            lineNo++;
            var line = rawLine.TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }
            if (line.Length < 2 || line[1] != '=')
            {
                error = $"SDP line {lineNo} is not type=value";
                return false;
            }
            var type = line[0];
            var value = line[2..];
            switch (type)
            {
                case 'v':
                    if (value != "0")
                    {
                        error = "SDP version is not 0";
                        return false;
                    }
                    sawVersion = true;
                    break;
                case 'o':
                {
                    var f = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (f.Length != 6 || !ulong.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out var id)
                        || !ulong.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out var ver))
                    {
                        error = $"SDP o= line {lineNo} is malformed";
                        return false;
                    }
                    origin = new SdpOrigin(f[0], id, ver, f[4], f[5]);
                    break;
                }
                case 's':
                    sessionName = value;
                    break;
                case 't':
                    timing = value;
                    break;
                case 'c':
                {
                    var f = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (f.Length != 3 || f[0] != "IN" || f[1] is not "IP4" and not "IP6")
                    {
                        error = $"SDP c= line {lineNo} is malformed";
                        return false;
                    }
                    var addr = f[2].Split('/')[0];
                    if (cur is null)
                    {
                        conn = addr;
                        connType = f[1];
                    }
                    else
                    {
                        cur.ConnectionAddress = addr;
                        cur.ConnectionAddressType = f[1];
                    }
                    break;
                }
                case 'm':
                {
                    var f = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (f.Length < 4 || !int.TryParse(f[1].Split('/')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
                    {
                        error = $"SDP m= line {lineNo} is malformed";
                        return false;
                    }
                    cur = new MediaDescription { Media = f[0], Port = port, Protocol = f[2] };
                    cur.Formats.AddRange(f.Skip(3));
                    media.Add(cur);
                    break;
                }
                case 'a':
                {
                    var colon = value.IndexOf(':', StringComparison.Ordinal);
                    var attr = colon < 0 ? new SdpAttribute(value, null) : new SdpAttribute(value[..colon], value[(colon + 1)..]);
                    (cur?.Attributes ?? sessionAttrs).Add(attr);
                    break;
                }
                default:
                    if (!char.IsAsciiLetterLower(type))
                    {
                        error = $"SDP line {lineNo} has an invalid type '{type}'";
                        return false;
                    }
                    (cur?.OtherLines ?? other).Add(line);
                    break;
            }
        }
        if (!sawVersion || origin is null || sessionName is null)
        {
            error = "SDP lacks v=, o= or s=";
            return false;
        }
        sdp = new SessionDescription { Origin = origin, SessionName = sessionName, ConnectionAddress = conn, ConnectionAddressType = connType, Timing = timing };
        sdp.Attributes.AddRange(sessionAttrs);
        sdp.OtherLines.AddRange(other);
        sdp.Media.AddRange(media);
        error = null;
        return true;
    }

    /// <summary>Parses or throws <see cref="FormatException"/>.</summary>
    public static SessionDescription Parse(string text) => TryParse(text, out var s, out var e) ? s : throw new FormatException(e);

    /// <inheritdoc/>
    public override string ToString()
    {
        var sb = new StringBuilder(256);
        sb.Append("v=0\r\n");
        sb.Append("o=").Append(Origin).Append("\r\n");
        sb.Append("s=").Append(SessionName).Append("\r\n");
        foreach (var l in OtherLines)
        {
            sb.Append(l).Append("\r\n");
        }
        if (ConnectionAddress is not null)
        {
            sb.Append("c=IN ").Append(ConnectionAddressType).Append(' ').Append(ConnectionAddress).Append("\r\n");
        }
        sb.Append("t=").Append(Timing).Append("\r\n");
        foreach (var a in Attributes)
        {
            sb.Append("a=").Append(a).Append("\r\n");
        }
        foreach (var m in Media)
        {
            sb.Append("m=").Append(m.Media).Append(' ').Append(m.Port.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(m.Protocol);
            foreach (var f in m.Formats)
            {
                sb.Append(' ').Append(f);
            }
            sb.Append("\r\n");
            foreach (var l in m.OtherLines)
            {
                sb.Append(l).Append("\r\n");
            }
            if (m.ConnectionAddress is not null)
            {
                sb.Append("c=IN ").Append(m.ConnectionAddressType).Append(' ').Append(m.ConnectionAddress).Append("\r\n");
            }
            foreach (var a in m.Attributes)
            {
                sb.Append("a=").Append(a).Append("\r\n");
            }
        }
        return sb.ToString();
    }
}

internal static class SdpText
{
    public static string Direction(MediaDirection d) => d switch
    {
        MediaDirection.SendRecv => "sendrecv",
        MediaDirection.SendOnly => "sendonly",
        MediaDirection.RecvOnly => "recvonly",
        MediaDirection.Inactive => "inactive",
    };
}
