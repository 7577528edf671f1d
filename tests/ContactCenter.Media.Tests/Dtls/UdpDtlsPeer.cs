using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using ContactCenter.Media.Dtls;
using ContactCenter.Media.Rtp;
using ContactCenter.Media.Srtp;
using Microsoft.Extensions.Logging.Abstractions;

namespace ContactCenter.Media.Tests.Dtls;

/// <summary>
/// One side of a test leg: a real UDP socket on loopback, its datagrams demultiplexed by first byte
/// (RFC 7983) into our DTLS transport or, after the handshake, through the inbound SRTP context.
/// </summary>
internal sealed class UdpDtlsPeer : IAsyncDisposable, IDatagramSender
{
    private readonly Socket socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly CancellationTokenSource stop = new();
    private readonly Task receiving;
    private volatile SrtpContext? inbound;

    public UdpDtlsPeer(DtlsCertificate certificate, DtlsRole role, DtlsSrtpOptions? options = null, TimeProvider? time = null)
    {
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Certificate = certificate;
        Dtls = new DtlsSrtpTransport(certificate, role, options ?? new DtlsSrtpOptions(), this, time ?? TimeProvider.System, NullLogger.Instance);
        receiving = Task.Run(ReceiveLoop);
    }

    public DtlsCertificate Certificate { get; }

    public DtlsSrtpTransport Dtls { get; }

    public IPEndPoint LocalEndPoint => (IPEndPoint)socket.LocalEndPoint!;

    public IPEndPoint? Remote { get; set; }

    /// <summary>RTP packets that authenticated and decrypted, as plain RTP.</summary>
    public Channel<byte[]> Decrypted { get; } = Channel.CreateUnbounded<byte[]>();

    /// <summary>SRTP packets refused, with why.</summary>
    public Channel<SrtpStatus> Refused { get; } = Channel.CreateUnbounded<SrtpStatus>();

    public void UseInbound(SrtpContext context) => inbound = context;

    /// <summary>Outgoing datagrams to lose on the way (a lossy network): returns true to drop one.</summary>
    public Func<byte[], bool>? Lose { get; set; }

    /// <summary>Datagrams lost so far.</summary>
    public int Lost { get; private set; }

    public void Send(ReadOnlySpan<byte> datagram)
    {
        if (Lose is { } lose && lose(datagram.ToArray()))
        {
            Lost++;
            return;
        }

        if (Remote is { } remote)
        {
            socket.SendTo(datagram, SocketFlags.None, remote);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Dtls.Dispose();
        await stop.CancelAsync();
        socket.Dispose();
        try
        {
            await receiving;
        }
        catch (OperationCanceledException)
        {
        }

        inbound?.Dispose();
        stop.Dispose();
    }

    private async Task ReceiveLoop()
    {
        byte[] buffer = new byte[2048];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (!stop.IsCancellationRequested)
        {
            SocketReceiveFromResult result;
            try
            {
                result = await socket.ReceiveFromAsync(buffer, SocketFlags.None, any, stop.Token);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }

            Remote ??= (IPEndPoint)result.RemoteEndPoint; // a server learns its client from the first datagram
            var datagram = buffer.AsMemory(0, result.ReceivedBytes);
            switch (PacketDemultiplexer.Classify(datagram.Span))
            {
                case PacketKind.Dtls:
                    Dtls.Receive(datagram.Span);
                    break;
                case PacketKind.Rtp when inbound is { } context:
                    SrtpStatus status = context.UnprotectRtp(buffer, result.ReceivedBytes, out int plain);
                    if (status == SrtpStatus.Ok)
                    {
                        Decrypted.Writer.TryWrite(buffer.AsSpan(0, plain).ToArray());
                    }
                    else
                    {
                        Refused.Writer.TryWrite(status);
                    }

                    break;
                default:
                    break;
            }
        }
    }
}
