using System.Net;
using System.Text;
using System.Threading.Channels;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Transport;

namespace ContactCenter.Sip.Tests;

/// <summary>
/// A transport with no socket (as sipgo's siptest conn recorder): what the endpoint sends is recorded, and the
/// test delivers messages as if they had arrived from a peer.
/// </summary>
internal sealed class RecordingTransport(SipProtocol protocol = SipProtocol.Udp) : ISipTransport
{
    private readonly Channel<(SipProtocol Protocol, IPEndPoint Remote, string Text)> sent = Channel.CreateUnbounded<(SipProtocol, IPEndPoint, string)>();
    private SipReceiveHandler? receive;

    public IPEndPoint Local { get; } = new(IPAddress.Loopback, 5060);

    public bool Carries(SipProtocol p) => p == protocol;

    public void Start(SipReceiveHandler handler, Action<SipConnection> closed, SipRateLimiter? limiter) => receive = handler;

    public SipSource? FlowTo(SipProtocol p, IPEndPoint remote) => new(p, remote, Local);

    public ValueTask SendAsync(ReadOnlyMemory<byte> data, SipProtocol p, IPEndPoint remote)
    {
        sent.Writer.TryWrite((p, remote, Encoding.UTF8.GetString(data.Span)));
        return ValueTask.CompletedTask;
    }

    /// <summary>Hands the endpoint a message as if <paramref name="from"/> had sent it.</summary>
    public void Deliver(string text, IPEndPoint from) =>
        receive!(SipParser.ParseDatagram(Encoding.UTF8.GetBytes(text)), new SipSource(protocol, from, Local));

    /// <summary>The next message the endpoint sent (skipping those <paramref name="skip"/> says to), parsed.</summary>
    public async Task<(SipMessage Message, IPEndPoint Remote)> NextAsync(Func<SipMessage, bool>? skip = null)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        while (true)
        {
            var (_, remote, text) = await sent.Reader.ReadAsync(timeout.Token);
            var message = SipParser.ParseDatagram(Encoding.UTF8.GetBytes(text)).Message ?? throw new InvalidOperationException("sent an unparseable message:\n" + text);
            if (skip?.Invoke(message) != true)
            {
                return (message, remote);
            }
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
