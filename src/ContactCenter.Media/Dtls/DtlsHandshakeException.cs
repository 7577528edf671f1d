namespace ContactCenter.Media.Dtls;

/// <summary>Why a DTLS-SRTP handshake did not complete.</summary>
internal enum DtlsFailure
{
    /// <summary>No handshake within <see cref="DtlsSrtpOptions.HandshakeTimeout"/>.</summary>
    Timeout,

    /// <summary>The peer's certificate does not match the a=fingerprint of its SDP.</summary>
    FingerprintMismatch,

    /// <summary>The peer presented no certificate.</summary>
    NoCertificate,

    /// <summary>No SRTP protection profile in common, or no use_srtp at all.</summary>
    NoSrtpProfile,

    /// <summary>The peer sent a fatal alert.</summary>
    AlertReceived,

    /// <summary>The leg was closed during the handshake.</summary>
    Closed,

    /// <summary>Anything else the DTLS stack refused (bad messages, no common cipher suite...).</summary>
    ProtocolError,
}

/// <summary>A DTLS-SRTP handshake that failed, with a reason fit for the call's history.</summary>
internal sealed class DtlsHandshakeException : Exception
{
    public DtlsHandshakeException(DtlsFailure failure, string message, Exception? inner = null)
        : base(message, inner)
    {
        Failure = failure;
    }

    public DtlsHandshakeException()
        : this(DtlsFailure.ProtocolError, "DTLS handshake failed")
    {
    }

    public DtlsHandshakeException(string message)
        : this(DtlsFailure.ProtocolError, message)
    {
    }

    public DtlsHandshakeException(string message, Exception inner)
        : this(DtlsFailure.ProtocolError, message, inner)
    {
    }

    /// <summary>The kind of failure.</summary>
    public DtlsFailure Failure { get; }
}
