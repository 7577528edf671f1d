namespace ContactCenter.Sip.Transport;

/// <summary>A message could not be sent.</summary>
public sealed class SipTransportException : Exception
{
    /// <summary>A short reason worth showing beside the call's outcome (e.g. a refused TLS certificate), or null.</summary>
    public string? Detail { get; init; }

    /// <summary>Creates the exception.</summary>
    public SipTransportException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }

    /// <summary>Creates the exception.</summary>
    public SipTransportException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public SipTransportException(string message)
        : base(message)
    {
    }
}
