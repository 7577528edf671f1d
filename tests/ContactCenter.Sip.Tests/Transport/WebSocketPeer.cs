using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.UserAgent;

namespace ContactCenter.Sip.Tests.Transport;

/// <summary>
/// A browser-like SIP WebSocket client on a real loopback TCP connection: the server end is handed to the endpoint
/// (as the web host would after the HTTP upgrade) and the client end speaks SIP, one SIP message per WebSocket message.
/// </summary>
internal sealed class WebSocketPeer : IAsyncDisposable
{
    private readonly TcpClient client;
    private readonly Socket serverSocket;

    private WebSocketPeer(TcpClient client, Socket serverSocket, WebSocket clientSocket, WebSocket serverWebSocket)
    {
        this.client = client;
        this.serverSocket = serverSocket;
        Socket = clientSocket;
        Server = serverWebSocket;
    }

    /// <summary>The client (browser) end.</summary>
    public WebSocket Socket { get; }

    /// <summary>The server end, handed to the endpoint.</summary>
    public WebSocket Server { get; }

    /// <summary>The client's address as the server sees it.</summary>
    public IPEndPoint Remote => (IPEndPoint)serverSocket.RemoteEndPoint!;

    /// <summary>The server's end of the connection.</summary>
    public IPEndPoint Local => (IPEndPoint)serverSocket.LocalEndPoint!;

    /// <summary>The endpoint's serving of this connection (completes when it closes).</summary>
    public Task Serving { get; private set; } = Task.CompletedTask;

    /// <summary>Connects a client to a fresh server socket and serves the server end on <paramref name="endpoint"/>.</summary>
    public static async Task<WebSocketPeer> ConnectAsync(SipEndpoint endpoint, string? authenticatedUser = null, string subProtocol = "sip", bool secure = false)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        var server = await listener.AcceptSocketAsync();
        var serverWs = WebSocket.CreateFromStream(new NetworkStream(server, ownsSocket: true), new WebSocketCreationOptions { IsServer = true, SubProtocol = subProtocol });
        var clientWs = WebSocket.CreateFromStream(client.GetStream(), new WebSocketCreationOptions { IsServer = false, SubProtocol = subProtocol });
        var peer = new WebSocketPeer(client, server, clientWs, serverWs);
        peer.Serving = endpoint.ServeWebSocketAsync(serverWs, peer.Remote, peer.Local, secure, authenticatedUser);
        return peer;
    }

    public Task SendAsync(string text, WebSocketMessageType type = WebSocketMessageType.Text) =>
        Socket.SendAsync(Encoding.UTF8.GetBytes(text), type, endOfMessage: true, CancellationToken.None);

    /// <summary>Sends one message in several WebSocket frames.</summary>
    public async Task SendFragmentedAsync(string text, int pieces)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var size = (bytes.Length + pieces - 1) / pieces;
        for (var offset = 0; offset < bytes.Length; offset += size)
        {
            var n = Math.Min(size, bytes.Length - offset);
            await Socket.SendAsync(bytes.AsMemory(offset, n), WebSocketMessageType.Text, offset + n == bytes.Length, CancellationToken.None);
        }
    }

    /// <summary>The next WebSocket message: its type and the SIP message in it (null for a close).</summary>
    public async Task<(WebSocketMessageType Type, SipMessage? Message, string Text)> ReceiveAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var buffer = new byte[65_536];
        var filled = 0;
        while (true)
        {
            var r = await Socket.ReceiveAsync(buffer.AsMemory(filled), timeout.Token);
            if (r.MessageType == WebSocketMessageType.Close)
            {
                return (r.MessageType, null, "");
            }
            filled += r.Count;
            if (r.EndOfMessage)
            {
                var text = Encoding.UTF8.GetString(buffer, 0, filled);
                var parsed = SipParser.ParseDatagram(buffer.AsSpan(0, filled));
                return (r.MessageType, parsed.Message ?? parsed.Error?.Partial ?? throw new InvalidOperationException("unparseable:\n" + text), text);
            }
        }
    }

    /// <summary>The next SIP message, skipping provisional responses when <paramref name="skipProvisional"/>.</summary>
    public async Task<SipMessage> NextAsync(bool skipProvisional = true)
    {
        while (true)
        {
            var (_, message, _) = await ReceiveAsync();
            if (message is null)
            {
                throw new InvalidOperationException("the server closed the WebSocket");
            }
            if (skipProvisional && message is SipResponse { StatusCode: < 200 })
            {
                continue;
            }
            return message;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Socket.Abort();
        Socket.Dispose();
        client.Dispose();
        try
        {
            await Serving.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or TimeoutException or InvalidOperationException)
        {
        }
        Server.Dispose();
    }
}
