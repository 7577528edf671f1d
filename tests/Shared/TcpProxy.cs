using System.Net;
using System.Net.Sockets;

namespace ContactCenter.Testing;

/// <summary>
/// A TCP relay on loopback between one process (routing, or any module of the fault topology) and the broker, so a test can cut that process off the broker (and only
/// it) while the process keeps running, then let it reconnect: a network partition between an active instance and RabbitMQ.
/// </summary>
internal sealed class TcpProxy : IAsyncDisposable
{
    private readonly IPEndPoint _target;
    private readonly List<Socket> _sockets = [];
    private readonly Lock _gate = new();
    private TcpListener? _listener;
    private CancellationTokenSource _cut = new();
    private Task _accepting = Task.CompletedTask;

    public TcpProxy(IPEndPoint target)
    {
        _target = target;
        Listen(0);
    }

    public int Port { get; private set; }

    /// <summary>Closes every relayed connection and refuses new ones: the process behind sees its broker connection drop and cannot reconnect.</summary>
    public async Task CutAsync()
    {
        await _cut.CancelAsync();
        _listener?.Stop();
        lock (_gate)
        {
            foreach (var s in _sockets)
            {
                s.Dispose();
            }
            _sockets.Clear();
        }
        await _accepting;
    }

    /// <summary>Accepts connections again on the same port.</summary>
    public void Restore()
    {
        _cut.Dispose();
        _cut = new CancellationTokenSource();
        Listen(Port);
    }

    private void Listen(int port)
    {
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        var listener = _listener;
        var cut = _cut.Token;
        _accepting = Task.Run(() => AcceptAsync(listener, cut), CancellationToken.None);
    }

    private async Task AcceptAsync(TcpListener listener, CancellationToken cut)
    {
        while (!cut.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptSocketAsync(cut);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await upstream.ConnectAsync(_target, cut);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException)
            {
                client.Dispose();
                upstream.Dispose();
                continue;
            }
            lock (_gate)
            {
                _sockets.Add(client);
                _sockets.Add(upstream);
            }
            _ = Task.Run(() => PumpAsync(client, upstream, cut), CancellationToken.None);
            _ = Task.Run(() => PumpAsync(upstream, client, cut), CancellationToken.None);
        }
    }

    private static async Task PumpAsync(Socket from, Socket to, CancellationToken cut)
    {
        var buffer = new byte[16384];
        try
        {
            while (true)
            {
                var n = await from.ReceiveAsync(buffer, SocketFlags.None, cut);
                if (n == 0)
                {
                    break;
                }
                await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, cut);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        from.Dispose();
        to.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await CutAsync();
        _cut.Dispose();
    }
}
