using System.Net;
using ContactCenter.Sip.Message;

namespace ContactCenter.Sip.Transport;

/// <summary>Something a transport received: a message, or a parse error with the source.</summary>
internal delegate void SipReceiveHandler(SipParseResult result, SipSource source);

/// <summary>
/// One transport of the transport layer (RFC 3261 §18): it carries one or more protocols, hands every
/// message it receives to the layer's handler and sends bytes to a peer.
/// </summary>
internal interface ISipTransport : IAsyncDisposable
{
    /// <summary>True when this transport sends over <paramref name="protocol"/>.</summary>
    bool Carries(SipProtocol protocol);

    /// <summary>
    /// Starts receiving: every message (or parse error) goes to <paramref name="receive"/>; sources the limiter blocks are
    /// dropped; a connection that closes is reported to <paramref name="closed"/> once.
    /// </summary>
    void Start(SipReceiveHandler receive, Action<SipConnection> closed, SipRateLimiter? limiter);

    /// <summary>
    /// The flow a message to <paramref name="remote"/> over <paramref name="protocol"/> leaves by (its local address and, for a
    /// live connection, the connection), or null when this transport cannot reach the peer that way.
    /// </summary>
    SipSource? FlowTo(SipProtocol protocol, IPEndPoint remote);

    /// <summary>Sends one message; throws <see cref="SipTransportException"/> when it cannot.</summary>
    ValueTask SendAsync(ReadOnlyMemory<byte> data, SipProtocol protocol, IPEndPoint remote);
}
