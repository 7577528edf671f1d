using ContactCenter.Media.Srtp;

namespace ContactCenter.Media.Dtls;

/// <summary>Our DTLS role, from SDP a=setup (RFC 4145 §4, RFC 5763 §5): active connects (client), passive accepts (server).</summary>
internal enum DtlsRole
{
    /// <summary>a=setup:active: we send the ClientHello.</summary>
    Client,

    /// <summary>a=setup:passive: we answer the peer's ClientHello.</summary>
    Server,
}

/// <summary>Settings of DTLS-SRTP legs.</summary>
internal sealed record DtlsSrtpOptions
{
    /// <summary>SRTP profiles offered (client) or accepted (server), most preferred first.</summary>
    public IReadOnlyList<SrtpProfile> Profiles { get; init; } = [SrtpProfile.AeadAes128Gcm, SrtpProfile.AesCm128HmacSha1_80];

    /// <summary>How long a handshake may take, from its start, before the leg is refused.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Largest datagram the handshake sends (certificates are fragmented to fit); WebRTC stacks keep to about 1200.</summary>
    public int MaxDatagramSize { get; init; } = 1200;

    /// <summary>Handshake datagrams held for the handshake at most (more are dropped: a flood costs nothing).</summary>
    public int MaxQueuedDatagrams { get; init; } = 64;
}
