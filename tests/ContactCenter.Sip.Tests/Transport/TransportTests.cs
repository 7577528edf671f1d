using System.Net;
using System.Net.Sockets;
using System.Text;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Tests.Transactions;
using Microsoft.Extensions.Time.Testing;

namespace ContactCenter.Sip.Tests.Transport;

public class TransportTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(3);

    private static string Options(int port, string branch, string transport = "UDP") =>
        $"OPTIONS sip:svc@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/{transport} 127.0.0.1:{port};branch={branch}\r\nMax-Forwards: 70\r\n" +
        $"From: <sip:caller@127.0.0.1>;tag=f{branch}\r\nTo: <sip:svc@127.0.0.1>\r\nCall-ID: {branch}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";

    [Fact]
    public async Task Options_is_answered_with_allow_accept_and_supported_capabilities()
    {
        await using var ep = TestSupport.StartEndpoint();
        using var peer = new TestSupport.UdpPeer();
        await peer.SendAsync(Options(peer.LocalEndPoint.Port, "z9hG4bKo1"), ep.UdpEndPoint!);
        var r = await peer.ReceiveFinalAsync(Wait);
        Assert.Equal(200, r!.StatusCode);
        Assert.Contains("INVITE", r.Headers.Get("Allow"), StringComparison.Ordinal);
        Assert.Equal("application/sdp", r.Headers.Get("Accept"));
        Assert.NotNull(r.To.Tag);
    }

    [Fact]
    public async Task Garbage_datagrams_never_stop_the_receive_loop()
    {
        await using var ep = TestSupport.StartEndpoint();
        using var peer = new TestSupport.UdpPeer();
        var rnd = new Random(7);
        for (var i = 0; i < 200; i++)
        {
            var junk = new byte[rnd.Next(1, 1500)];
            rnd.NextBytes(junk);
            await peer.SendAsync(junk, ep.UdpEndPoint!);
        }
        await peer.SendAsync("\r\n\r\n", ep.UdpEndPoint!);
        await peer.SendAsync(Options(peer.LocalEndPoint.Port, "z9hG4bKafter"), ep.UdpEndPoint!);
        var r = await peer.ReceiveFinalAsync(Wait);
        Assert.Equal(200, r!.StatusCode);
    }

    [Fact]
    public async Task Source_over_the_rate_gets_one_503_with_retry_after_then_silence_while_others_are_served()
    {
        var time = new FakeTimeProvider();
        await using var ep = TestSupport.StartEndpoint(o =>
        {
            o.RateLimitPerSecond = 5;
            o.RateLimitBurst = 5;
            o.RateLimitCoolOff = TimeSpan.FromSeconds(30);
        }, time);
        using var flood = new TestSupport.UdpPeer();
        for (var i = 0; i < 8; i++)
        {
            await flood.SendAsync(Options(flood.LocalEndPoint.Port, "z9hG4bKf" + i), ep.UdpEndPoint!);
            await Task.Delay(5);
        }
        var codes = new List<int>();
        while (await flood.ReceiveFinalAsync(TimeSpan.FromMilliseconds(300)) is { } r)
        {
            codes.Add(r.StatusCode);
            if (r.StatusCode == 503)
            {
                Assert.Equal("30", r.Headers.Get("Retry-After"));
            }
        }
        Assert.Equal([200, 200, 200, 200, 200, 503], codes);
        using var other = new TestSupport.UdpPeer();
        // Another source on the same address shares the bucket by IP; use the same peer after cool-off instead.
        time.Advance(TimeSpan.FromSeconds(10));
        await flood.SendAsync(Options(flood.LocalEndPoint.Port, "z9hG4bKstill"), ep.UdpEndPoint!);
        Assert.Null(await flood.ReceiveFinalAsync(TimeSpan.FromMilliseconds(300)));
        time.Advance(TimeSpan.FromSeconds(21));
        await flood.SendAsync(Options(flood.LocalEndPoint.Port, "z9hG4bKback"), ep.UdpEndPoint!);
        Assert.Equal(200, (await flood.ReceiveFinalAsync(Wait))!.StatusCode);
    }

    [Fact]
    public async Task Tcp_stream_frames_by_content_length_across_keepalives_and_split_writes()
    {
        await using var ep = TestSupport.StartEndpoint();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(ep.TcpEndPoint!);
        var stream = tcp.GetStream();
        var port = ((IPEndPoint)tcp.Client.LocalEndPoint!).Port;
        var two = Encoding.ASCII.GetBytes("\r\n\r\n" + Options(port, "z9hG4bKt1", "TCP") + "\r\n" + Options(port, "z9hG4bKt2", "TCP"));
        await stream.WriteAsync(two.AsMemory(0, 37));
        await Task.Delay(50);
        await stream.WriteAsync(two.AsMemory(37));
        var reader = new TcpReader(stream);
        var pong = await reader.ReadPongOrMessageAsync();
        Assert.Null(pong);
        var a = await reader.ReadMessageAsync();
        var b = await reader.ReadMessageAsync();
        Assert.Equal(new[] { "z9hG4bKt1", "z9hG4bKt2" }, new[] { a.TopVia!.Branch!, b.TopVia!.Branch! });
        Assert.All(new[] { a, b }, m => Assert.Equal(200, ((SipResponse)m).StatusCode));
    }

    [Fact]
    public async Task Tcp_connections_per_source_are_capped()
    {
        await using var ep = TestSupport.StartEndpoint(o => o.MaxTcpConnectionsPerSource = 2);
        var clients = new List<TcpClient>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var c = new TcpClient();
                await c.ConnectAsync(ep.TcpEndPoint!);
                clients.Add(c);
                await Task.Delay(50);
            }
            await Sipp.SippUasTests.WaitForAsync(() => ep.TcpConnectionCount == 2, Wait);
            await Task.Delay(100);
            Assert.Equal(2, ep.TcpConnectionCount);
            var third = clients[2].GetStream();
            var buf = new byte[16];
            using var cts = new CancellationTokenSource(Wait);
            var n = await third.ReadAsync(buf, cts.Token);
            Assert.Equal(0, n);
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task Idle_tcp_connections_are_closed()
    {
        var time = new FakeTimeProvider();
        await using var ep = TestSupport.StartEndpoint(o => o.TcpIdleTimeout = TimeSpan.FromSeconds(10), time);
        using var c = new TcpClient();
        await c.ConnectAsync(ep.TcpEndPoint!);
        await Sipp.SippUasTests.WaitForAsync(() => ep.TcpConnectionCount == 1, Wait);
        Assert.Equal(1, ep.TcpConnectionCount);
        time.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(1, ep.TcpConnectionCount);
        time.Advance(TimeSpan.FromSeconds(6));
        using var cts = new CancellationTokenSource(Wait);
        Assert.Equal(0, await c.GetStream().ReadAsync(new byte[8], cts.Token));
        Assert.Equal(0, ep.TcpConnectionCount);
    }

    [Fact]
    public async Task Tcp_framing_error_is_answered_400_and_the_connection_closed()
    {
        await using var ep = TestSupport.StartEndpoint();
        using var c = new TcpClient();
        await c.ConnectAsync(ep.TcpEndPoint!);
        var ncl = await File.ReadAllBytesAsync(Path.Combine(Corpus.CorpusFiles.Root, "rfc4475", "ncl.dat"));
        await c.GetStream().WriteAsync(ncl);
        var reader = new TcpReader(c.GetStream());
        Assert.Equal(400, ((SipResponse)await reader.ReadMessageAsync()).StatusCode);
        using var cts = new CancellationTokenSource(Wait);
        Assert.Equal(0, await c.GetStream().ReadAsync(new byte[8], cts.Token));
    }

    [Fact]
    public async Task Tcp_ping_gets_a_pong()
    {
        await using var ep = TestSupport.StartEndpoint();
        using var c = new TcpClient();
        await c.ConnectAsync(ep.TcpEndPoint!);
        await c.GetStream().WriteAsync("\r\n\r\n"u8.ToArray());
        var buf = new byte[2];
        using var cts = new CancellationTokenSource(Wait);
        await c.GetStream().ReadExactlyAsync(buf, cts.Token);
        Assert.Equal("\r\n"u8.ToArray(), buf);
    }

    /// <summary>Reads SIP messages from a TCP stream with the stack's own stream parser.</summary>
    private sealed class TcpReader(NetworkStream stream)
    {
        private readonly byte[] buffer = new byte[65536];
        private int filled;

        public async Task<SipMessage?> ReadPongOrMessageAsync()
        {
            await FillAsync();
            if (filled >= 2 && buffer[0] == '\r' && buffer[1] == '\n')
            {
                buffer.AsSpan(2, filled - 2).CopyTo(buffer);
                filled -= 2;
                return null;
            }
            return await ReadMessageAsync();
        }

        public async Task<SipMessage> ReadMessageAsync()
        {
            while (true)
            {
                var r = SipParser.ParseStream(buffer.AsSpan(0, filled));
                if (r.Error?.Kind != SipParseErrorKind.Incomplete)
                {
                    var m = r.Message ?? r.Error?.Partial ?? throw new InvalidOperationException(r.Error?.ToString());
                    buffer.AsSpan(r.BytesConsumed, filled - r.BytesConsumed).CopyTo(buffer);
                    filled -= r.BytesConsumed;
                    return m;
                }
                await FillAsync();
            }
        }

        private async Task FillAsync()
        {
            using var cts = new CancellationTokenSource(Wait);
            var n = await stream.ReadAsync(buffer.AsMemory(filled), cts.Token);
            if (n == 0)
            {
                throw new EndOfStreamException();
            }
            filled += n;
        }
    }
}
