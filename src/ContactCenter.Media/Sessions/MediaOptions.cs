namespace ContactCenter.Media.Sessions;

/// <summary>Settings of the media engine (configuration section <c>Media</c>).</summary>
public sealed class MediaOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Media";

    /// <summary>Local address RTP sockets bind to.</summary>
    public string BindAddress { get; set; } = "0.0.0.0";

    /// <summary>First port of the RTP range (RTP on even ports, RTCP on the next odd one).</summary>
    public int PortRangeStart { get; set; } = 10000;

    /// <summary>Last port of the range (inclusive).</summary>
    public int PortRangeEnd { get; set; } = 20000;

    /// <summary>No RTP from the peer for this long raises MediaTimeout; zero disables.</summary>
    public TimeSpan MediaTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Mean interval between RTCP reports (randomised ×0.5-1.5 as in RFC 3550 §6.2).</summary>
    public TimeSpan RtcpInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Latch the peer's address to where its RTP really comes from (NAT traversal).</summary>
    public bool SymmetricRtp { get; set; } = true;

    /// <summary>
    /// How long a DTLS-SRTP leg may take to get its keys, from when its offer/answer is applied (the ICE checks and the
    /// handshake both); a leg that has none by then fails (MediaFailed, DtlsTimeout). 1-60 s.
    /// </summary>
    public TimeSpan DtlsHandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// ICE consent freshness (RFC 7675): an ICE leg with no authenticated connectivity check from the peer for this long
    /// (counted from when its offer/answer is applied until the first) fails (MediaFailed, ConsentExpired). Browsers check
    /// about every 5 s; RFC 7675 says 30 s. 10-600 s.
    /// </summary>
    public TimeSpan IceConsentTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Problems with these settings, each naming its configuration key; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!System.Net.IPAddress.TryParse(BindAddress, out _))
        {
            errors.Add($"Media:BindAddress '{BindAddress}' is not an IP address.");
        }

        if (PortRangeStart is < 1024 or > 65534)
        {
            errors.Add($"Media:PortRangeStart {PortRangeStart} must be 1024-65534.");
        }

        if (PortRangeEnd is < 1025 or > 65535 || PortRangeEnd <= PortRangeStart)
        {
            errors.Add($"Media:PortRangeEnd {PortRangeEnd} must be 1025-65535 and above Media:PortRangeStart.");
        }

        if (MediaTimeout < TimeSpan.Zero)
        {
            errors.Add("Media:MediaTimeout must not be negative.");
        }

        if (RtcpInterval < TimeSpan.FromSeconds(1))
        {
            errors.Add("Media:RtcpInterval must be at least 1 second.");
        }

        if (DtlsHandshakeTimeout < TimeSpan.FromSeconds(1) || DtlsHandshakeTimeout > TimeSpan.FromSeconds(60))
        {
            errors.Add($"Media:DtlsHandshakeTimeout {DtlsHandshakeTimeout} must be 1-60 seconds.");
        }

        if (IceConsentTimeout < TimeSpan.FromSeconds(10) || IceConsentTimeout > TimeSpan.FromMinutes(10))
        {
            errors.Add($"Media:IceConsentTimeout {IceConsentTimeout} must be 10-600 seconds (browsers refresh consent about every 5 s).");
        }

        return errors;
    }
}
