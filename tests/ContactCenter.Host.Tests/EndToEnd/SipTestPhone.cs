using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading.Channels;

namespace ContactCenter.Host.Tests.EndToEnd;

/// <summary>
/// A SIP phone written for the tests, independent of the product's SIP stack: it registers over UDP with digest
/// authentication (MD5, qop=auth), answers every INVITE after a 180 with an SDP naming its <see cref="ToneMedia"/>
/// socket (PCMU and telephone-event), answers BYE, and hangs up when the test says so (which SIPp cannot do on demand).
/// One call at a time; calls follow one another for as long as the phone lives.
/// </summary>
internal sealed partial class SipTestPhone : IAsyncDisposable
{
    private readonly Socket socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly IPEndPoint registrar;
    private readonly Thread receiver;
    private readonly Channel<string> responses = Channel.CreateUnbounded<string>();
    private readonly Lock gate = new();
    private volatile bool stopping;
    private Call? call;
    private int cseq = 1;

    private SipTestPhone(string login, int gatewaySipPort, double tone)
    {
        Login = login;
        registrar = new IPEndPoint(IPAddress.Loopback, gatewaySipPort);
        socket.ReceiveTimeout = 100;
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        Media = new ToneMedia(login, tone);
        Media.Hush();
        receiver = new Thread(Receive) { IsBackground = true, Name = "sip-test-phone-" + login };
        receiver.Start();
    }

    public string Login { get; }

    public int Port { get; }

    public ToneMedia Media { get; }

    /// <summary>Calls answered, in order (each completes its <see cref="Call.Ended"/> when either side hangs up).</summary>
    public Channel<Call> Answered { get; } = Channel.CreateUnbounded<Call>();

    /// <summary>A phone registered as <paramref name="login"/> (password "demo"), speaking <paramref name="tone"/> Hz in its calls.</summary>
    public static async Task<SipTestPhone> RegisterAsync(int gatewaySipPort, string login, double tone)
    {
        var phone = new SipTestPhone(login, gatewaySipPort, tone);
        try
        {
            await phone.RegisterAsync();
            return phone;
        }
        catch
        {
            await phone.DisposeAsync();
            throw;
        }
    }

    /// <summary>The next call this phone answers.</summary>
    public async Task<Call> NextCallAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            return await Answered.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"{Login}'s phone was not called within {timeout}");
            throw;
        }
    }

    /// <summary>Hangs up <paramref name="c"/> (BYE) and waits for the gateway's 200.</summary>
    public async Task HangUpAsync(Call c, TimeSpan timeout)
    {
        int number;
        lock (gate)
        {
            number = ++cseq;
        }

        var branch = "z9hG4bK" + Guid.NewGuid().ToString("N")[..16];
        var bye = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"BYE {c.RemoteTarget} SIP/2.0\r\n")
            .Append(CultureInfo.InvariantCulture, $"Via: SIP/2.0/UDP 127.0.0.1:{Port};branch={branch};rport\r\n")
            .Append(CultureInfo.InvariantCulture, $"From: {c.LocalParty}\r\n")
            .Append(CultureInfo.InvariantCulture, $"To: {c.RemoteParty}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Call-ID: {c.CallId}\r\n")
            .Append(CultureInfo.InvariantCulture, $"CSeq: {number} BYE\r\n");
        foreach (var route in c.Routes)
        {
            bye.Append(CultureInfo.InvariantCulture, $"Route: {route}\r\n");
        }

        bye.Append("Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
        Media.Hush();
        c.End("hung up by the phone");
        await RequestAsync(bye.ToString(), c.From, $"{number} BYE", timeout);
    }

    public async ValueTask DisposeAsync()
    {
        stopping = true;
        receiver.Join(TimeSpan.FromSeconds(2));
        socket.Dispose();
        Media.Dispose();
        await Task.CompletedTask;
    }

    private async Task RegisterAsync()
    {
        var callId = Guid.NewGuid().ToString("N") + "@127.0.0.1";
        string Register(int number, string? authorization) =>
            $"REGISTER sip:127.0.0.1:{registrar.Port} SIP/2.0\r\n" +
            $"Via: SIP/2.0/UDP 127.0.0.1:{Port};branch=z9hG4bK{Guid.NewGuid():N};rport\r\n" +
            $"From: <sip:{Login}@127.0.0.1:{registrar.Port}>;tag=reg{Port}\r\n" +
            $"To: <sip:{Login}@127.0.0.1:{registrar.Port}>\r\n" +
            $"Call-ID: {callId}\r\nCSeq: {number} REGISTER\r\n" +
            $"Contact: <sip:{Login}@127.0.0.1:{Port}>\r\n" +
            (authorization is null ? "" : $"Authorization: {authorization}\r\n") +
            "Max-Forwards: 70\r\nExpires: 600\r\nUser-Agent: ContactCenter test phone\r\nContent-Length: 0\r\n\r\n";

        var challenge = await RequestAsync(Register(1, null), registrar, "1 REGISTER", TimeSpan.FromSeconds(20), expect: 401);
        var md5 = Headers(challenge, "WWW-Authenticate").FirstOrDefault(h => h.Contains("algorithm=MD5", StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidOperationException($"no MD5 challenge:\n{challenge}");
        string Param(string name) => DigestParam().Matches(md5).First(m => m.Groups[1].Value.Equals(name, StringComparison.OrdinalIgnoreCase)).Groups[2].Value.Trim('"');
        var (realm, nonce, opaque) = (Param("realm"), Param("nonce"), Param("opaque"));
        var uri = $"sip:127.0.0.1:{registrar.Port}";
        var cnonce = Guid.NewGuid().ToString("N")[..16];
        var ha1 = Md5($"{Login}:{realm}:demo");
        var ha2 = Md5($"REGISTER:{uri}");
        var response = Md5($"{ha1}:{nonce}:00000001:{cnonce}:auth:{ha2}");
        var authorization = $"Digest username=\"{Login}\", realm=\"{realm}\", nonce=\"{nonce}\", uri=\"{uri}\", response=\"{response}\", " +
            $"algorithm=MD5, opaque=\"{opaque}\", qop=auth, nc=00000001, cnonce=\"{cnonce}\"";
        await RequestAsync(Register(2, authorization), registrar, "2 REGISTER", TimeSpan.FromSeconds(20));
    }

    /// <summary>Sends a request (again every 500 ms, as UDP asks) until its final response; asserts the status.</summary>
    private async Task<string> RequestAsync(string request, IPEndPoint to, string cseqValue, TimeSpan timeout, int expect = 200)
    {
        var bytes = Encoding.ASCII.GetBytes(request);
        using var cts = new CancellationTokenSource(timeout);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var nextSend = TimeSpan.Zero;
        while (true)
        {
            if (clock.Elapsed >= nextSend)
            {
                socket.SendTo(bytes, to);
                nextSend = clock.Elapsed + TimeSpan.FromMilliseconds(500);
            }

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
            wait.CancelAfter(TimeSpan.FromMilliseconds(500));
            string response;
            try
            {
                response = await responses.Reader.ReadAsync(wait.Token);
            }
            catch (OperationCanceledException) when (!cts.IsCancellationRequested)
            {
                continue;
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"{Login}'s phone: no final response to {cseqValue} within {timeout}");
                throw;
            }

            var status = int.Parse(response.AsSpan(8, 3), CultureInfo.InvariantCulture);
            if (Header(response, "CSeq") != cseqValue || status < 200)
            {
                continue;
            }

            Assert.True(status == expect, $"{Login}'s phone: {cseqValue} answered {status}, expected {expect}:\n{response}");
            return response;
        }
    }

    private void Receive()
    {
        var buffer = new byte[65_536];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        while (!stopping)
        {
            string message;
            try
            {
                var length = socket.ReceiveFrom(buffer, ref from);
                message = Encoding.ASCII.GetString(buffer, 0, length);
            }
            catch (SocketException)
            {
                continue;
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            if (message.StartsWith("SIP/2.0 ", StringComparison.Ordinal))
            {
                responses.Writer.TryWrite(message);
                continue;
            }

            var method = message[..message.IndexOf(' ', StringComparison.Ordinal)];
            var source = (IPEndPoint)from;
            if (method.Length == 0 || message.StartsWith("\r\n", StringComparison.Ordinal))
            {
                continue; // keep-alive
            }

            switch (method)
            {
                case "INVITE":
                    OnInvite(message, source);
                    break;
                case "ACK":
                    break;
                case "BYE":
                    Respond(message, source, "200 OK", null);
                    lock (gate)
                    {
                        if (call is { } c && c.CallId == Header(message, "Call-ID"))
                        {
                            Media.Hush();
                            c.End("hung up by the gateway");
                        }
                    }

                    break;
                default:
                    Respond(message, source, "200 OK", null);
                    break;
            }
        }
    }

    private void OnInvite(string invite, IPEndPoint source)
    {
        var callId = Header(invite, "Call-ID");
        Call c;
        lock (gate)
        {
            if (call is { } current && current.CallId == callId)
            {
                // A retransmission or a re-INVITE in the call: answer it the same way.
                Respond(invite, source, "200 OK", current.ToTag);
                return;
            }

            var sdp = invite[(invite.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
            var port = int.Parse(MediaPort().Match(sdp).Groups[1].Value, CultureInfo.InvariantCulture);
            var contact = ContactUri().Match(Header(invite, "Contact")).Groups[1].Value;
            var toTag = Guid.NewGuid().ToString("N")[..10];
            c = new Call(
                callId,
                toTag,
                source,
                new IPEndPoint(IPAddress.Loopback, port),
                contact,
                Header(invite, "From"),
                Header(invite, "To") + ";tag=" + toTag,
                [.. Headers(invite, "Record-Route")],
                Header(invite, "X-ContactCenter-Monitor"));
            call = c;
        }

        Respond(invite, source, "180 Ringing", c.ToTag);
        Respond(invite, source, "200 OK", c.ToTag);
        Media.Speak(c.GatewayMedia);
        Answered.Writer.TryWrite(c);
    }

    private void Respond(string request, IPEndPoint to, string status, string? toTag)
    {
        var response = new StringBuilder().Append(CultureInfo.InvariantCulture, $"SIP/2.0 {status}\r\n");
        foreach (var via in Headers(request, "Via"))
        {
            response.Append(CultureInfo.InvariantCulture, $"Via: {via}\r\n");
        }

        foreach (var route in Headers(request, "Record-Route"))
        {
            response.Append(CultureInfo.InvariantCulture, $"Record-Route: {route}\r\n");
        }

        var toHeader = Header(request, "To");
        if (toTag is not null && !toHeader.Contains(";tag=", StringComparison.Ordinal))
        {
            toHeader += ";tag=" + toTag;
        }

        response.Append(CultureInfo.InvariantCulture, $"From: {Header(request, "From")}\r\n")
            .Append(CultureInfo.InvariantCulture, $"To: {toHeader}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Call-ID: {Header(request, "Call-ID")}\r\n")
            .Append(CultureInfo.InvariantCulture, $"CSeq: {Header(request, "CSeq")}\r\n");
        string body = "";
        if (status.StartsWith("200", StringComparison.Ordinal) && Header(request, "CSeq").EndsWith(" INVITE", StringComparison.Ordinal))
        {
            body = "v=0\r\n" +
                $"o={Login} 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
                $"m=audio {Media.Port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv\r\n";
            response.Append(CultureInfo.InvariantCulture, $"Contact: <sip:{Login}@127.0.0.1:{Port}>\r\nContent-Type: application/sdp\r\n");
        }

        response.Append(CultureInfo.InvariantCulture, $"Content-Length: {body.Length}\r\n\r\n").Append(body);
        socket.SendTo(Encoding.ASCII.GetBytes(response.ToString()), to);
    }

    private static string Header(string message, string name) =>
        Headers(message, name).FirstOrDefault() ?? "";

    /// <summary>Every value of a header (full name; comma-joined values stay joined, which is all these tests need).</summary>
    private static IEnumerable<string> Headers(string message, string name)
    {
        var head = message[..Math.Max(0, message.IndexOf("\r\n\r\n", StringComparison.Ordinal))];
        foreach (var line in head.Split("\r\n").Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line.AsSpan(0, colon).Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                yield return line[(colon + 1)..].Trim();
            }
        }
    }

    private static string Md5(string text) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));

    [GeneratedRegex(@"(\w+)=(""[^""]*""|[^,\s]+)")]
    private static partial Regex DigestParam();

    [GeneratedRegex(@"m=audio (\d+)")]
    private static partial Regex MediaPort();

    [GeneratedRegex(@"<?(sip:[^>;]+)")]
    private static partial Regex ContactUri();

    /// <summary>One answered call: its dialog (for a BYE of our own) and how it ended.</summary>
    internal sealed class Call(
        string callId, string toTag, IPEndPoint from, IPEndPoint gatewayMedia, string remoteTarget, string remoteParty, string localParty,
        IReadOnlyList<string> recordRoutes, string monitorHeader)
    {
        private readonly TaskCompletionSource<string> ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string CallId { get; } = callId;
        public string ToTag { get; } = toTag;
        public IPEndPoint From { get; } = from;
        public IPEndPoint GatewayMedia { get; } = gatewayMedia;
        public string RemoteTarget { get; } = remoteTarget;
        public string RemoteParty { get; } = remoteParty;
        public string LocalParty { get; } = localParty;
        public IReadOnlyList<string> Routes { get; } = recordRoutes;

        /// <summary>The gateway's <c>X-ContactCenter-Monitor</c> header (the agent a supervisor's call is for), or empty.</summary>
        public string MonitorHeader { get; } = monitorHeader;

        /// <summary>Completes with who hung up.</summary>
        public Task<string> Ended => ended.Task;

        public void End(string how) => ended.TrySetResult(how);

        public async Task<string> WaitEndedAsync(TimeSpan timeout, string what)
        {
            var done = await Task.WhenAny(Ended, Task.Delay(timeout));
            Assert.True(done == Ended, $"{what}: the call did not end within {timeout}");
            return await Ended;
        }
    }
}
