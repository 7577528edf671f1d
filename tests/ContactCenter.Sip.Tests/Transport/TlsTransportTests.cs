using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Sdp;
using ContactCenter.Sip.UserAgent;
using Microsoft.Extensions.Time.Testing;

namespace ContactCenter.Sip.Tests.Transport;

/// <summary>SIP over TLS (RFC 3261 §26, RFC 5630) on its own port, over real loopback sockets and a real handshake.</summary>
public class TlsTransportTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private static string Request(string method, string uri, int port, string branch, string transport, string extra = "") =>
        $"{method} {uri} SIP/2.0\r\nVia: SIP/2.0/{transport} 127.0.0.1:{port};branch={branch}\r\nMax-Forwards: 70\r\n" +
        $"From: <sip:alice@127.0.0.1>;tag=f{branch}\r\nTo: <sip:alice@127.0.0.1>\r\nCall-ID: {branch}\r\nCSeq: 1 {method}\r\n{extra}Content-Length: 0\r\n\r\n";

    /// <summary>A TLS client (as a phone): connects, checks the certificate it was shown, reads SIP messages off the stream.</summary>
    private sealed class TlsPeer : IAsyncDisposable
    {
        private readonly TcpClient tcp = new();
        private readonly byte[] buffer = new byte[65536];
        private int filled;

        public SslStream Stream { get; private set; } = null!;
        public X509Certificate2? ServerCertificate { get; private set; }
        public int LocalPort => ((IPEndPoint)tcp.Client.LocalEndPoint!).Port;

        public static async Task<TlsPeer> ConnectAsync(IPEndPoint server)
        {
            var p = new TlsPeer();
            await p.tcp.ConnectAsync(server);
            p.Stream = new SslStream(p.tcp.GetStream(), false, (_, cert, _, _) =>
            {
                // The test trusts whatever it is shown and checks it below (a phone would pin or chain-check it).
                p.ServerCertificate = cert is null ? null : X509CertificateLoader.LoadCertificate(cert.GetRawCertData());
                return true;
            });
            await p.Stream.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "127.0.0.1" });
            return p;
        }

        public Task SendAsync(string text) => Stream.WriteAsync(Encoding.ASCII.GetBytes(text)).AsTask();

        public async Task<SipMessage> ReadAsync()
        {
            while (true)
            {
                var r = SipParser.ParseStream(buffer.AsSpan(0, filled));
                if (r.Error?.Kind != SipParseErrorKind.Incomplete)
                {
                    var m = r.Message ?? throw new InvalidOperationException(r.Error?.ToString());
                    buffer.AsSpan(r.BytesConsumed, filled - r.BytesConsumed).CopyTo(buffer);
                    filled -= r.BytesConsumed;
                    return m;
                }
                using var cts = new CancellationTokenSource(Wait);
                var n = await Stream.ReadAsync(buffer.AsMemory(filled), cts.Token);
                if (n == 0)
                {
                    throw new EndOfStreamException();
                }
                filled += n;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await Stream.DisposeAsync();
            tcp.Dispose();
        }
    }

    [Fact]
    public async Task A_phone_registers_over_tls_with_the_generated_certificate_and_is_called_back_down_the_same_connection()
    {
        await using var ep = TestSupport.StartEndpoint(o => { o.EnableTls = true; o.TlsPort = 0; });
        Assert.NotNull(ep.TlsEndPoint);
        Assert.NotEqual(ep.Port, ep.TlsEndPoint!.Port);
        await using var phone = await TlsPeer.ConnectAsync(ep.TlsEndPoint);
        // The generated certificate names the listen address and is self-signed.
        Assert.NotNull(phone.ServerCertificate);
        Assert.Equal(phone.ServerCertificate!.Subject, phone.ServerCertificate.Issuer);
        Assert.Contains("127.0.0.1", phone.ServerCertificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateIPAddresses().Select(a => a.ToString()));
        Assert.True(phone.Stream.SslProtocol >= System.Security.Authentication.SslProtocols.Tls12);

        await phone.SendAsync(Request("REGISTER", "sips:127.0.0.1", phone.LocalPort, "z9hG4bKtls1", "TLS",
            $"Contact: <sips:alice@127.0.0.1:{phone.LocalPort}>\r\nExpires: 300\r\n"));
        var ok = (SipResponse)await phone.ReadAsync();
        Assert.Equal(200, ok.StatusCode);
        var binding = Assert.Single(ep.Registrar.GetBindingsForUser("alice"));
        Assert.Equal(SipProtocol.Tls, binding.Source!.Protocol);
        Assert.Equal(1, ep.TlsConnectionCount);

        // A call to the phone goes down the connection it opened (connection reuse, RFC 5923 style), Via TLS, to its sips: contact.
        var call = ep.Call(new SipCallOptions { Target = binding.Contact, Offer = SdpOfferAnswer.CreateOffer(new IPEndPoint(IPAddress.Loopback, 40000)) });
        var invite = (SipRequest)await phone.ReadAsync();
        Assert.Equal("INVITE", invite.Method);
        Assert.Equal("TLS", invite.TopVia!.Transport);
        Assert.Equal(ep.TlsEndPoint.Port, invite.TopVia.Port);
        Assert.Contains("transport=tls", invite.Headers.Get("Contact"), StringComparison.Ordinal);
        Assert.Equal(1, ep.TlsConnectionCount);
        call.Cancel();
    }

    [Fact]
    public async Task A_sips_request_over_udp_gets_480_naming_the_tls_port_and_without_tls_416()
    {
        await using var withTls = TestSupport.StartEndpoint(o => { o.EnableTls = true; o.TlsPort = 0; });
        using var peer = new TestSupport.UdpPeer();
        await peer.SendAsync(Request("OPTIONS", "sips:svc@127.0.0.1", peer.LocalEndPoint.Port, "z9hG4bKsips1", "UDP"), withTls.UdpEndPoint!);
        var r = await peer.ReceiveFinalAsync(Wait);
        Assert.Equal(480, r!.StatusCode);
        Assert.Contains($"port {withTls.TlsEndPoint!.Port}", r.Headers.Get("Warning"), StringComparison.Ordinal);

        await using var withoutTls = TestSupport.StartEndpoint();
        await peer.SendAsync(Request("INVITE", "sips:svc@127.0.0.1", peer.LocalEndPoint.Port, "z9hG4bKsips2", "UDP",
            "Contact: <sip:caller@127.0.0.1>\r\n"), withoutTls.UdpEndPoint!);
        Assert.Equal(416, (await peer.ReceiveFinalAsync(Wait))!.StatusCode);

        // The same sips: request over TLS is served.
        await using var phone = await TlsPeer.ConnectAsync(withTls.TlsEndPoint);
        await phone.SendAsync(Request("OPTIONS", "sips:svc@127.0.0.1", phone.LocalPort, "z9hG4bKsips3", "TLS"));
        Assert.Equal(200, ((SipResponse)await phone.ReadAsync()).StatusCode);
    }

    [Fact]
    public async Task A_configured_pem_certificate_is_presented_and_replaced_on_disk_without_a_restart()
    {
        var dir = Directory.CreateTempSubdirectory("sip-tls").FullName;
        var certPath = Path.Combine(dir, "sip.crt");
        var keyPath = Path.Combine(dir, "sip.key");
        static void Write(string cn, string certPath, string keyPath)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var req = new CertificateRequest($"CN={cn}", key, HashAlgorithmName.SHA256);
            using var cert = req.CreateSelfSigned(TimeProvider.System.GetUtcNow().AddMinutes(-1), TimeProvider.System.GetUtcNow().AddDays(30));
            File.WriteAllText(certPath, cert.ExportCertificatePem());
            File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        }
        Write("sip-one.example", certPath, keyPath);
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var ep = TestSupport.StartEndpoint(o =>
        {
            o.EnableTls = true;
            o.TlsPort = 0;
            o.TlsCertificatePath = certPath;
            o.TlsKeyPath = keyPath;
        }, time);
        await using (var first = await TlsPeer.ConnectAsync(ep.TlsEndPoint!))
        {
            Assert.Equal("CN=sip-one.example", first.ServerCertificate!.Subject);
        }
        // Rotation: new files on disk; the next handshake after the check interval presents the new certificate.
        Write("sip-two.example", certPath, keyPath);
        File.SetLastWriteTimeUtc(certPath, TimeProvider.System.GetUtcNow().UtcDateTime.AddSeconds(5));
        time.Advance(TimeSpan.FromSeconds(11));
        await using var second = await TlsPeer.ConnectAsync(ep.TlsEndPoint!);
        Assert.Equal("CN=sip-two.example", second.ServerCertificate!.Subject);
        // A broken file does not take the port down: the previous certificate stays.
        File.WriteAllText(certPath, "not a certificate");
        File.SetLastWriteTimeUtc(certPath, TimeProvider.System.GetUtcNow().UtcDateTime.AddSeconds(10));
        time.Advance(TimeSpan.FromSeconds(11));
        await using var third = await TlsPeer.ConnectAsync(ep.TlsEndPoint!);
        Assert.Equal("CN=sip-two.example", third.ServerCertificate!.Subject);
    }

    [Fact]
    public void Tls_settings_are_checked_at_start()
    {
        var missing = new SipEndpointOptions { EnableTls = true, TlsCertificatePath = "/nonexistent/sip.pfx" };
        Assert.Contains("Sip:TlsCertificatePath", missing.Validate(), StringComparison.Ordinal);
        var garbage = Path.GetTempFileName();
        File.WriteAllText(garbage, "not a certificate");
        var broken = new SipEndpointOptions { EnableTls = true, TlsCertificatePath = garbage };
        Assert.Contains("could not be loaded", broken.Validate(), StringComparison.Ordinal);
        var samePort = new SipEndpointOptions { EnableTls = true, Port = 5060, TlsPort = 5060 };
        Assert.Contains("Sip:TlsPort", samePort.Validate(), StringComparison.Ordinal);
        Assert.Null(new SipEndpointOptions { EnableTls = true }.Validate());
    }

    [Fact]
    public async Task The_self_signed_certificate_is_kept_across_restarts_when_a_path_is_given()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("sip-tls").FullName, "selfsigned.pfx");
        string thumbprint;
        await using (var ep = TestSupport.StartEndpoint(o => { o.EnableTls = true; o.TlsPort = 0; o.TlsSelfSignedPath = path; }))
        {
            await using var peer = await TlsPeer.ConnectAsync(ep.TlsEndPoint!);
            thumbprint = peer.ServerCertificate!.Thumbprint;
        }
        Assert.True(File.Exists(path));
        await using (var again = TestSupport.StartEndpoint(o => { o.EnableTls = true; o.TlsPort = 0; o.TlsSelfSignedPath = path; }))
        {
            await using var peer = await TlsPeer.ConnectAsync(again.TlsEndPoint!);
            Assert.Equal(thumbprint, peer.ServerCertificate!.Thumbprint);
        }
    }
}
