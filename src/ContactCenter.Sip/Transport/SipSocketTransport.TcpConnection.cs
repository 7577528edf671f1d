using System.Buffers;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using ContactCenter.Sip.Message;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Sip.Transport;

/// <summary>One TCP (or TLS over TCP) connection of the socket transport, used in both directions.</summary>
internal sealed partial class SipSocketTransport
{
    private sealed class TcpConnection
    {
        private readonly SipSocketTransport owner;
        private readonly Socket socket;
        private readonly SslStream? tls;
        private readonly SemaphoreSlim writeLock = new(1, 1);
        private int closed;

        public TcpConnection(SipSocketTransport owner, Socket socket, IPEndPoint remote, IPEndPoint local, SslStream? tls = null)
        {
            this.owner = owner;
            this.socket = socket;
            this.tls = tls;
            Remote = remote;
            Local = local;
            var protocol = tls is null ? SipProtocol.Tcp : SipProtocol.Tls;
            Connection = new SipConnection(protocol, remote, authenticatedUser: null);
            Source = new SipSource(protocol, remote, local) { Connection = Connection };
            LastActivity = owner.time.GetTimestamp();
            socket.NoDelay = true;
        }

        public IPEndPoint Remote { get; }

        public IPEndPoint Local { get; }

        /// <summary>The flow (RFC 5626 §3) this connection is.</summary>
        public SipConnection Connection { get; }

        /// <summary>The source of every message read from this connection.</summary>
        public SipSource Source { get; }

        public long LastActivity { get; private set; }

        public bool Closed => Volatile.Read(ref closed) != 0;

        public void Start() => _ = Task.Run(ReadLoopAsync);

        public async ValueTask SendAsync(ReadOnlyMemory<byte> data)
        {
            await writeLock.WaitAsync(owner.stopping.Token).ConfigureAwait(false);
            try
            {
                if (tls is not null)
                {
                    await tls.WriteAsync(data, owner.stopping.Token).ConfigureAwait(false);
                    await tls.FlushAsync(owner.stopping.Token).ConfigureAwait(false);
                }
                else
                {
                    while (!data.IsEmpty)
                    {
                        var n = await socket.SendAsync(data, SocketFlags.None, owner.stopping.Token).ConfigureAwait(false);
                        data = data[n..];
                    }
                }
                LastActivity = owner.time.GetTimestamp();
            }
            finally
            {
                writeLock.Release();
            }
        }

        private async Task ReadLoopAsync()
        {
            var buffer = ArrayPool<byte>.Shared.Rent(8192);
            var filled = 0;
            var source = Source;
            try
            {
                while (!Closed)
                {
                    if (filled == buffer.Length)
                    {
                        if (buffer.Length >= owner.options.MaxMessageSize + 4096)
                        {
                            owner.logger.LogDebug("TCP message from {Remote} exceeds the size limit; closing", Remote);
                            break;
                        }
                        var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                        buffer.AsSpan(0, filled).CopyTo(bigger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                    }
                    var n = tls is null
                        ? await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, owner.stopping.Token).ConfigureAwait(false)
                        : await tls.ReadAsync(buffer.AsMemory(filled), owner.stopping.Token).ConfigureAwait(false);
                    if (n == 0)
                    {
                        break;
                    }
                    filled += n;
                    LastActivity = owner.time.GetTimestamp();
                    if (owner.RateLimiter?.IsBlocked(Remote.Address) == true)
                    {
                        filled = 0;
                        continue;
                    }
                    var offset = 0;
                    var fatal = false;
                    while (offset < filled)
                    {
                        var r = SipParser.ParseStream(buffer.AsSpan(offset, filled - offset), owner.limits);
                        if (r.Error?.Kind == SipParseErrorKind.Incomplete)
                        {
                            if (r.BytesConsumed >= 4 && IsPing(buffer.AsSpan(offset, r.BytesConsumed)))
                            {
                                await SendAsync("\r\n"u8.ToArray()).ConfigureAwait(false);
                            }
                            offset += r.BytesConsumed;
                            break;
                        }
                        offset += Math.Max(r.BytesConsumed, 1);
                        try
                        {
                            owner.handler(r, source);
                        }
                        catch (Exception ex) when (ex is not OutOfMemoryException)
                        {
                            owner.logger.LogWarning(ex, "Error handling a TCP message; continuing");
                        }
                        if (r.Error is { Kind: SipParseErrorKind.Framing or SipParseErrorKind.TooLarge })
                        {
                            fatal = true;
                            break;
                        }
                    }
                    if (fatal)
                    {
                        break;
                    }
                    if (offset > 0)
                    {
                        buffer.AsSpan(offset, filled - offset).CopyTo(buffer);
                        filled -= offset;
                    }
                }
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException or IOException)
            {
                owner.logger.LogDebug("{Protocol} connection {Remote} ended: {Message}", Source.Protocol, Remote, ex.Message);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                owner.logger.LogWarning(ex, "TCP connection {Remote} failed", Remote);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
                Close();
            }
        }

        private static bool IsPing(ReadOnlySpan<byte> s) => s.EndsWith("\r\n\r\n"u8);

        public void Close()
        {
            if (Interlocked.Exchange(ref closed, 1) != 0)
            {
                return;
            }
            (tls is null ? owner.connections : owner.tlsConnections).TryRemove(new KeyValuePair<IPEndPoint, TcpConnection>(Remote, this));
            owner.Release(Remote.Address);
            try
            {
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (SocketException)
            {
            }
            catch (ObjectDisposedException)
            {
            }
            tls?.Dispose();
            socket.Dispose();
            Connection.MarkClosed();
            try
            {
                owner.connectionClosed(Connection);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                owner.logger.LogWarning(ex, "Handling the end of TCP connection {Remote} failed", Remote);
            }
        }
    }
}
