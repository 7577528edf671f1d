using System.Net;
using System.Net.Sockets;
using System.Text;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.UserAgent;
using Microsoft.Extensions.Logging.Abstractions;

namespace ContactCenter.Sip.Tests;

/// <summary>Starts endpoints on loopback with free ports and talks to them over real sockets.</summary>
public static class TestSupport
{
    public static SipEndpoint StartEndpoint(Action<SipEndpointOptions>? configure = null, TimeProvider? time = null, ContactCenter.Sip.Auth.ISipCredentialStore? credentials = null)
    {
        var options = new SipEndpointOptions { ListenAddress = "127.0.0.1", Port = 0, UdpReceiveLoops = 1 };
        configure?.Invoke(options);
        var ep = new SipEndpoint(options, NullLoggerFactory.Instance, time, credentials);
        ep.Start();
        return ep;
    }

    /// <summary>A raw UDP peer for sending bytes and reading responses.</summary>
    public sealed class UdpPeer : IDisposable
    {
        public UdpClient Client { get; } = new(new IPEndPoint(IPAddress.Loopback, 0));

        public IPEndPoint LocalEndPoint => (IPEndPoint)Client.Client.LocalEndPoint!;

        public Task SendAsync(byte[] data, IPEndPoint to) => Client.SendAsync(data, data.Length, to);

        public Task SendAsync(string text, IPEndPoint to) => SendAsync(Encoding.UTF8.GetBytes(text), to);

        /// <summary>Next message within the timeout, or null.</summary>
        public async Task<SipMessage?> ReceiveAsync(TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                var r = await Client.ReceiveAsync(cts.Token);
                var p = SipParser.ParseDatagram(r.Buffer);
                // A response to a malformed request echoes its malformed headers (§8.2.6): accept it when the
                // status line itself is valid.
                return p.Message ?? (p.Error?.Partial is SipResponse { StatusCode: > 0 } echo ? echo : null)
                    ?? throw new InvalidOperationException("stack sent an unparseable message: " + p.Error + "\n" + Encoding.UTF8.GetString(r.Buffer));
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }

        /// <summary>Next final response (skipping 1xx), or null.</summary>
        public async Task<SipResponse?> ReceiveFinalAsync(TimeSpan timeout)
        {
            var deadline = TimeProvider.System.GetUtcNow() + timeout;
            while (true)
            {
                var left = deadline - TimeProvider.System.GetUtcNow();
                if (left <= TimeSpan.Zero)
                {
                    return null;
                }
                var m = await ReceiveAsync(left);
                if (m is null)
                {
                    return null;
                }
                if (m is SipResponse { StatusCode: >= 200 } r)
                {
                    return r;
                }
            }
        }

        public void Dispose() => Client.Dispose();
    }
}
