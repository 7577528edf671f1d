using System.Net;
using System.Net.WebSockets;
using System.Security.Claims;
using System.Text;
using ContactCenter.Contracts;
using ContactCenter.Sip.Auth;
using ContactCenter.Sip.Message;
using ContactCenter.Telephony.Gateway;
using MassTransit;
using MassTransit.Testing;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ContactCenter.Telephony.Tests.Web;

/// <summary>
/// The gateway behind a real Kestrel web port on loopback, composed as the product host composes it: JWT bearer
/// sign-in, <c>MapTelephony</c> (so <c>/sip</c>), the repository's telephony-config, MassTransit's test harness as the bus
/// and a directory stub that answers the registrar's credential requests (alice and bob, password "demo").
/// </summary>
internal sealed class SipWebSocketHost : IAsyncDisposable
{
    public const string SigningKey = "telephony-tests-signing-key-0123456789-abcdef";
    public const string Password = "demo";
    private readonly WebApplication app;
    private readonly string data;

    private SipWebSocketHost(WebApplication app, string data, Uri address)
    {
        this.app = app;
        this.data = data;
        Address = address;
    }

    /// <summary>http://127.0.0.1:port</summary>
    public Uri Address { get; }

    public Uri SipUri => new($"ws://{Address.Authority}/sip");

    public SipGateway Gateway => app.Services.GetRequiredService<SipGateway>();

    public ITestHarness Harness => app.Services.GetRequiredService<ITestHarness>();

    public static async Task<SipWebSocketHost> StartAsync(IDictionary<string, string?>? settings = null)
    {
        var data = Directory.CreateTempSubdirectory("cc-gw-ws-").FullName;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Telephony:ConfigPath"] = TestPaths.ConfigFolder,
            ["Telephony:DataPath"] = data,
            ["Telephony:RecordingsPath"] = Path.Combine(data, "recordings"),
            ["Telephony:VoicemailPath"] = Path.Combine(data, "voicemail"),
            ["Telephony:GatewayId"] = "gw-ws-test",
            ["Sip:ListenAddress"] = "127.0.0.1",
            ["Sip:Port"] = "0",
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(o =>
        {
            o.MapInboundClaims = false;
            o.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = "ContactCenter",
                ValidAudience = "ContactCenter",
                IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(SigningKey)),
                NameClaimType = "sub",
                RoleClaimType = "role",
            };
        });
        builder.Services.AddAuthorization();
        builder.Services.AddTelephony(builder.Configuration);
        builder.Services.AddMassTransitTestHarness(bus =>
        {
            bus.AddTelephonyConsumers();
            bus.AddConsumer<DirectoryStub>();
        });
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapTelephony();
        await app.StartAsync();
        return new SipWebSocketHost(app, data, new Uri(app.Urls.First()));
    }

    /// <summary>A bearer token as the CRM signs them (sub = the login).</summary>
    public static string Token(string login, string role = "agent")
    {
        var now = TimeProvider.System.GetUtcNow().UtcDateTime;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "ContactCenter",
            Audience = "ContactCenter",
            Subject = new ClaimsIdentity([new Claim("sub", login), new Claim("role", role)]),
            NotBefore = now.AddSeconds(-5),
            IssuedAt = now,
            Expires = now.AddHours(1),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(SigningKey)), SecurityAlgorithms.HmacSha256),
        });
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        Directory.Delete(data, recursive: true);
    }

    /// <summary>The directory's answer to the registrar: a verdict on alice's and bob's digest answers.</summary>
    private sealed class DirectoryStub : IConsumer<VerifySipDigest>
    {
        public Task Consume(ConsumeContext<VerifySipDigest> context)
        {
            var m = context.Message;
            var found = m.Login is "alice" or "bob";
            var algorithm = m.Algorithm == "MD5" ? DigestAlgorithm.Md5 : DigestAlgorithm.Sha256;
            var valid = found && DigestHash.Matches(
                new DigestAnswer(m.Login, m.Realm, algorithm, m.Nonce, m.Method, m.Uri, m.Qop, m.NonceCount, m.ClientNonce, m.Response),
                DigestHash.Ha1(algorithm, m.Login, m.Realm, Password));
            return context.RespondAsync(new SipDigestVerdict { Login = m.Login, Found = found, Valid = valid, OccurredAt = TimeProvider.System.GetUtcNow() });
        }
    }
}

/// <summary>A browser-like SIP client: System.Net.WebSockets.ClientWebSocket speaking SIP, one message per WebSocket message.</summary>
internal sealed class SipWebSocketClient : IAsyncDisposable
{
    private const string Instance = "<urn:uuid:5b1c4d2e-0f6a-4c3b-9e7d-1a2b3c4d5e6f>";
    private uint cseq;

    private SipWebSocketClient(ClientWebSocket socket) => Socket = socket;

    public ClientWebSocket Socket { get; }

    /// <summary>This client's Contact user and host, as JsSIP makes them (a random user at a random .invalid host).</summary>
    public string Contact { get; } = $"sip:{Guid.NewGuid().ToString("N")[..8]}@{Guid.NewGuid().ToString("N")[..12]}.invalid;transport=ws";

    public static async Task<SipWebSocketClient> ConnectAsync(Uri uri, string? origin = null, string? bearer = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("sip");
        if (origin is not null)
        {
            socket.Options.SetRequestHeader("Origin", origin);
        }

        if (bearer is not null)
        {
            socket.Options.SetRequestHeader("Authorization", "Bearer " + bearer);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await socket.ConnectAsync(uri, timeout.Token);
        return new SipWebSocketClient(socket);
    }

    public Task SendAsync(string text) => Socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    /// <summary>The next SIP message (skipping 100 Trying), parsed.</summary>
    public async Task<SipMessage> NextAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[65_536];
        while (true)
        {
            var filled = 0;
            ValueWebSocketReceiveResult r;
            do
            {
                r = await Socket.ReceiveAsync(buffer.AsMemory(filled), timeout.Token);
                if (r.MessageType == WebSocketMessageType.Close)
                {
                    throw new InvalidOperationException("the server closed the WebSocket");
                }

                filled += r.Count;
            }
            while (!r.EndOfMessage);
            var parsed = SipParser.ParseDatagram(buffer.AsSpan(0, filled));
            var message = parsed.Message ?? parsed.Error?.Partial ?? throw new InvalidOperationException("unparseable: " + Encoding.UTF8.GetString(buffer, 0, filled));
            if (message is SipResponse { StatusCode: 100 })
            {
                continue;
            }

            return message;
        }
    }

    /// <summary>REGISTER as JsSIP sends it (Via WS with an .invalid host, reg-id and +sip.instance).</summary>
    public string Register(string user, string host, string? authorization = null, int expires = 600) =>
        $"REGISTER sip:{host} SIP/2.0\r\nVia: SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bK{Guid.NewGuid():N};rport\r\nMax-Forwards: 69\r\n" +
        $"To: <sip:{user}@{host}>\r\nFrom: <sip:{user}@{host}>;tag=reg{user}\r\nCall-ID: reg-{user}-{Contact.GetHashCode()}\r\nCSeq: {++cseq} REGISTER\r\n" +
        $"Contact: <{Contact}>;+sip.ice;reg-id=1;+sip.instance=\"{Instance}\";expires={expires}\r\nExpires: {expires}\r\n" +
        (authorization is null ? "" : $"Authorization: {authorization}\r\n") +
        "Allow: INVITE,ACK,CANCEL,BYE,UPDATE,MESSAGE,OPTIONS,REFER,INFO,NOTIFY\r\nSupported: path,gruu,outbound\r\nUser-Agent: JsSIP 3.13.8\r\nContent-Length: 0\r\n\r\n";

    /// <summary>REGISTER, answering a digest challenge with the user's password when one comes. Returns the final response.</summary>
    public async Task<SipResponse> RegisterAsync(string user, string host, string? password)
    {
        await SendAsync(Register(user, host));
        var response = (SipResponse)await NextAsync();
        if (response.StatusCode != 401 || password is null)
        {
            return response;
        }

        var challenge = response.Headers.GetAll("WWW-Authenticate").First(c => c.Contains("MD5", StringComparison.Ordinal));
        var authorization = DigestClient.CreateAuthorization(challenge, "REGISTER", $"sip:{host}", user, password, 1, "c0ffee")!;
        await SendAsync(Register(user, host, authorization));
        return (SipResponse)await NextAsync();
    }

    /// <summary>A response to a request received over this socket, echoing its Via, From, To, Call-ID and CSeq.</summary>
    public static string Respond(SipRequest request, int status, string? toTag = null, string extra = "")
    {
        var sb = new StringBuilder($"SIP/2.0 {status} {SipResponse.DefaultReason(status)}\r\n");
        foreach (var via in request.Headers.GetAll("Via"))
        {
            sb.Append("Via: ").Append(via).Append("\r\n");
        }

        sb.Append("From: ").Append(request.Headers.Get("From")).Append("\r\n");
        sb.Append("To: ").Append(request.Headers.Get("To")).Append(toTag is null ? "" : ";tag=" + toTag).Append("\r\n");
        sb.Append("Call-ID: ").Append(request.CallId).Append("\r\nCSeq: ").Append(request.Headers.Get("CSeq")).Append("\r\n");
        return sb.Append(extra).Append("Content-Length: 0\r\n\r\n").ToString();
    }

    public async ValueTask DisposeAsync()
    {
        if (Socket.State == WebSocketState.Open)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
            }
        }

        Socket.Dispose();
    }
}
