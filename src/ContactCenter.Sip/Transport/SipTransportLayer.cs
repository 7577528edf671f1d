using System.Net;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Transactions;

namespace ContactCenter.Sip.Transport;

/// <summary>
/// The transport layer (sipgo's TransportLayer): the transports an endpoint was given, started with one
/// receive handler and one rate limiter; a send goes to the transport that carries its protocol.
/// </summary>
internal sealed class SipTransportLayer : IAsyncDisposable
{
    private readonly ISipTransport[] transports;

    public SipTransportLayer(IEnumerable<ISipTransport> transports)
    {
        this.transports = [.. transports];
        foreach (var t in this.transports)
        {
            if (t is SipSocketTransport sockets)
            {
                Sockets = sockets;
            }
            else if (t is SipWebSocketTransport webSockets)
            {
                WebSockets = webSockets;
            }
        }
    }

    /// <summary>The UDP and TCP socket transport, if the layer has one.</summary>
    public SipSocketTransport? Sockets { get; }

    /// <summary>The WebSocket transport (RFC 7118), if the layer has one.</summary>
    public SipWebSocketTransport? WebSockets { get; }

    public void Start(SipReceiveHandler receive, Action<SipConnection> closed, SipRateLimiter? limiter)
    {
        foreach (var t in transports)
        {
            t.Start(receive, closed, limiter);
        }
    }

    /// <summary>The flow a message to <paramref name="destination"/> leaves by, or null when no transport can reach it.</summary>
    public SipSource? FlowTo(SipDestination destination)
    {
        foreach (var t in transports)
        {
            if (t.Carries(destination.Protocol))
            {
                return t.FlowTo(destination.Protocol, destination.EndPoint);
            }
        }
        return null;
    }

    /// <summary>Sends bytes over the transport that carries <paramref name="protocol"/>.</summary>
    public ValueTask SendAsync(ReadOnlyMemory<byte> data, SipProtocol protocol, IPEndPoint remote)
    {
        foreach (var t in transports)
        {
            if (t.Carries(protocol))
            {
                return t.SendAsync(data, protocol, remote);
            }
        }
        throw new SipTransportException($"send to {remote} over {protocol} failed: no transport carries {protocol}");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var t in transports)
        {
            await t.DisposeAsync().ConfigureAwait(false);
        }
    }
}
