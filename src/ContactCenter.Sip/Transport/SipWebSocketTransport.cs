using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using System.Text.Unicode;
using ContactCenter.Sip.Message;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Sip.Transport;

/// <summary>
/// SIP over WebSocket (RFC 7118). The web host accepts the upgrade (subprotocol <c>sip</c>, its origin and
/// sign-in checks) and hands the open <see cref="WebSocket"/> to <see cref="ServeAsync"/>; this transport never
/// opens a WebSocket itself. Each WebSocket message (text or binary) carries exactly one SIP message (§5.1), so
/// it is parsed as a datagram: a malformed one is answered (by the server side) and the connection lives on.
/// Requests and responses for the peer go back down the same connection, found by the peer's address.
/// </summary>
internal sealed class SipWebSocketTransport : ISipTransport
{
    /// <summary>The WebSocket subprotocol of RFC 7118 §4.1.</summary>
    public const string SubProtocol = "sip";

    private readonly SipEndpointOptions options;
    private readonly ILogger logger;
    private readonly SipParserLimits limits;
    private readonly ConcurrentDictionary<IPEndPoint, Flow> flows = new();
    private readonly CancellationTokenSource stopping = new();
    private SipReceiveHandler? handler;
    private Action<SipConnection> connectionClosed = static _ => { };
    private SipRateLimiter? limiter;

    public SipWebSocketTransport(SipEndpointOptions options, ILogger logger)
    {
        this.options = options;
        this.logger = logger;
        limits = new SipParserLimits { MaxMessageSize = options.MaxMessageSize, MaxHeaderCount = options.MaxHeaderCount };
    }

    /// <summary>Open WebSocket connections.</summary>
    public int ConnectionCount => flows.Count;

    public bool Carries(SipProtocol protocol) => protocol.IsWebSocket();

    public void Start(SipReceiveHandler receive, Action<SipConnection> closed, SipRateLimiter? rateLimiter)
    {
        connectionClosed = closed;
        limiter = rateLimiter;
        Volatile.Write(ref handler, receive);
    }

    public SipSource? FlowTo(SipProtocol protocol, IPEndPoint remote) =>
        flows.TryGetValue(remote, out var flow) && flow.Source.Connection!.IsOpen ? flow.Source : null;

    /// <summary>
    /// Reads SIP messages from an accepted WebSocket until it closes, then reports the connection closed (its
    /// registrations and dialogs end with it). <paramref name="remote"/> must be unique among open connections (the
    /// peer's TCP address is).
    /// </summary>
    public async Task ServeAsync(WebSocket socket, IPEndPoint remote, IPEndPoint local, bool secure, string? authenticatedUser, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(remote);
        ArgumentNullException.ThrowIfNull(local);
        var receive = Volatile.Read(ref handler) ?? throw new InvalidOperationException("the SIP endpoint is not started");
        if (socket.SubProtocol != SubProtocol)
        {
            await CloseQuietlyAsync(socket, WebSocketCloseStatus.ProtocolError, "subprotocol sip required (RFC 7118)").ConfigureAwait(false);
            return;
        }
        if (remote.Address.IsIPv4MappedToIPv6)
        {
            remote = new IPEndPoint(remote.Address.MapToIPv4(), remote.Port);
        }
        var protocol = secure ? SipProtocol.Wss : SipProtocol.Ws;
        var connection = new SipConnection(protocol, remote, authenticatedUser);
        var flow = new Flow(socket, new SipSource(protocol, remote, local) { Connection = connection });
        if (flows.Count >= options.MaxWebSocketConnections || !flows.TryAdd(remote, flow))
        {
            logger.LogWarning("WebSocket from {Remote} refused: {Reason}", remote,
                flows.ContainsKey(remote) ? "a connection from that address is already open" : "the connection cap is reached");
            await CloseQuietlyAsync(socket, WebSocketCloseStatus.PolicyViolation, "refused").ConfigureAwait(false);
            return;
        }
        logger.LogDebug("SIP WebSocket from {Remote} ({User})", remote, authenticatedUser ?? "not signed in");
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopping.Token);
        try
        {
            await ReadAsync(flow, receive, linked.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            logger.LogDebug("SIP WebSocket {Remote} ended: {Message}", remote, ex.Message);
        }
        finally
        {
            flows.TryRemove(new KeyValuePair<IPEndPoint, Flow>(remote, flow));
            connection.MarkClosed();
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await CloseQuietlyAsync(socket, WebSocketCloseStatus.NormalClosure, null).ConfigureAwait(false);
            }
            socket.Abort();
            flow.Dispose();
            try
            {
                connectionClosed(connection);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                logger.LogWarning(ex, "Handling the end of SIP WebSocket {Remote} failed", remote);
            }
        }
    }

    private async Task ReadAsync(Flow flow, SipReceiveHandler receive, CancellationToken cancellationToken)
    {
        var socket = flow.Socket;
        var source = flow.Source;
        var buffer = ArrayPool<byte>.Shared.Rent(8192);
        var filled = 0;
        try
        {
            while (true)
            {
                if (filled == buffer.Length)
                {
                    var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, filled).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                var result = await socket.ReceiveAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
                filled += result.Count;
                if (filled > options.MaxMessageSize)
                {
                    logger.LogDebug("SIP WebSocket message from {Remote} exceeds {Max} bytes; closing", source.RemoteEndPoint, options.MaxMessageSize);
                    await CloseQuietlyAsync(socket, WebSocketCloseStatus.MessageTooBig, "SIP message too large").ConfigureAwait(false);
                    return;
                }
                if (!result.EndOfMessage)
                {
                    continue;
                }
                var length = filled;
                filled = 0;
                if (length == 0 || limiter?.IsBlocked(source.RemoteEndPoint.Address) == true)
                {
                    continue;
                }
                // §5.1: one SIP message per WebSocket message; framing is the WebSocket's, so parse it whole.
                var parsed = SipParser.ParseDatagram(buffer.AsSpan(0, length), limits);
                if (parsed.Error?.Kind == SipParseErrorKind.KeepAlive)
                {
                    continue;
                }
                try
                {
                    receive(parsed, source);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    logger.LogWarning(ex, "Error handling a SIP WebSocket message; continuing");
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Sends one SIP message as one WebSocket message: text when it is UTF-8 (every SIP message we build is), else binary.</summary>
    public async ValueTask SendAsync(ReadOnlyMemory<byte> data, SipProtocol protocol, IPEndPoint remote)
    {
        if (!flows.TryGetValue(remote, out var flow))
        {
            throw new SipTransportException($"send to {remote} over {protocol} failed: no open WebSocket from that address");
        }
        var type = Utf8.IsValid(data.Span) ? WebSocketMessageType.Text : WebSocketMessageType.Binary;
        try
        {
            await flow.WriteLock.WaitAsync(stopping.Token).ConfigureAwait(false);
            try
            {
                await flow.Socket.SendAsync(data, type, endOfMessage: true, stopping.Token).ConfigureAwait(false);
            }
            finally
            {
                flow.WriteLock.Release();
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException or IOException or InvalidOperationException)
        {
            throw new SipTransportException($"send to {remote} over {protocol} failed: {ex.Message}", ex);
        }
    }

    private async Task CloseQuietlyAsync(WebSocket socket, WebSocketCloseStatus status, string? reason)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await socket.CloseOutputAsync(status, reason, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException or InvalidOperationException)
        {
            logger.LogDebug("Closing a SIP WebSocket: {Message}", ex.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (stopping.IsCancellationRequested)
        {
            return;
        }
        // The read loops end (their token is cancelled), close their sockets and report the connections closed.
        await stopping.CancelAsync().ConfigureAwait(false);
        foreach (var flow in flows.Values)
        {
            flow.Socket.Abort();
        }
    }

    private sealed class Flow(WebSocket socket, SipSource source) : IDisposable
    {
        public WebSocket Socket { get; } = socket;

        public SipSource Source { get; } = source;

        public SemaphoreSlim WriteLock { get; } = new(1, 1);

        public void Dispose() => WriteLock.Dispose();
    }
}
