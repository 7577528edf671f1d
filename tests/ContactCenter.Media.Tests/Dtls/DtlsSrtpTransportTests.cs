using ContactCenter.Media.Dtls;
using ContactCenter.Media.Srtp;
using ContactCenter.Media.Tests.Srtp;
using Microsoft.Extensions.Time.Testing;

namespace ContactCenter.Media.Tests.Dtls;

/// <summary>DTLS-SRTP handshakes between two of our own endpoints over real loopback UDP sockets.</summary>
public class DtlsSrtpTransportTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private static readonly DtlsCertificate Ours = DtlsCertificate.Generate(TimeProvider.System);
    private static readonly DtlsCertificate Theirs = DtlsCertificate.Generate(TimeProvider.System);

    [Fact]
    public void The_certificate_is_ecdsa_p256_with_an_sdp_sha256_fingerprint()
    {
        string text = Ours.Fingerprint.ToString();
        Assert.Matches("^sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}$", text);
        Assert.True(DtlsFingerprint.Parse(text).Matches(Ours.Der));
        Assert.False(DtlsFingerprint.Parse(text).Matches(Theirs.Der));
        Assert.NotEqual(text, Theirs.Fingerprint.ToString());
        Assert.True(DtlsFingerprint.Parse(text.ToLowerInvariant().Replace("sha-256", "SHA-256", StringComparison.Ordinal)).Matches(Ours.Der));

        using var certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(Ours.Der);
        using var key = System.Security.Cryptography.X509Certificates.ECDsaCertificateExtensions.GetECDsaPublicKey(certificate);
        Assert.NotNull(key);
        Assert.Equal(256, key!.KeySize);
    }

    [Theory]
    [InlineData("sha-256 AB:CD", "32")]
    [InlineData("md5 AB:CD", "not supported")]
    [InlineData("sha-256", "is not")]
    [InlineData("sha-1 ZZ:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00", "two hex digits")]
    public void A_bad_sdp_fingerprint_is_refused_saying_why(string value, string expected)
    {
        Assert.False(DtlsFingerprint.TryParse(value, out _, out string? error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData((int)SrtpProfile.AeadAes128Gcm)]
    [InlineData((int)SrtpProfile.AesCm128HmacSha1_80)]
    [InlineData((int)SrtpProfile.AesCm128HmacSha1_32)]
    public async Task Client_and_server_agree_on_keys_and_srtp_flows_both_ways(int profileNumber)
    {
        var profile = (SrtpProfile)profileNumber;
        var options = new DtlsSrtpOptions { Profiles = [profile] };
        await using var client = new UdpDtlsPeer(Ours, DtlsRole.Client, options);
        await using var server = new UdpDtlsPeer(Theirs, DtlsRole.Server, options);
        Connect(client, server);

        Task<DtlsSrtpKeys> serverHandshake = server.Dtls.HandshakeAsync();
        Task<DtlsSrtpKeys> clientHandshake = client.Dtls.HandshakeAsync();
        DtlsSrtpKeys clientKeys = await clientHandshake.WaitAsync(Patience);
        DtlsSrtpKeys serverKeys = await serverHandshake.WaitAsync(Patience);

        Assert.Equal(profile, clientKeys.Profile);
        Assert.True(clientKeys.Mirrors(serverKeys));
        Assert.True(client.Dtls.IsConnected);
        Assert.True(server.Dtls.IsConnected);

        await AssertSrtpFlows(client, clientKeys, server, serverKeys);
    }

    [Fact]
    public async Task The_server_picks_its_preferred_profile_among_those_the_client_offers()
    {
        await using var client = new UdpDtlsPeer(Ours, DtlsRole.Client, new DtlsSrtpOptions { Profiles = [SrtpProfile.AesCm128HmacSha1_80, SrtpProfile.AeadAes128Gcm] });
        await using var server = new UdpDtlsPeer(Theirs, DtlsRole.Server, new DtlsSrtpOptions { Profiles = [SrtpProfile.AeadAes128Gcm, SrtpProfile.AesCm128HmacSha1_32] });
        Connect(client, server);

        Task<DtlsSrtpKeys> serverHandshake = server.Dtls.HandshakeAsync();
        DtlsSrtpKeys clientKeys = await client.Dtls.HandshakeAsync().WaitAsync(Patience);
        await serverHandshake.WaitAsync(Patience);

        Assert.Equal(SrtpProfile.AeadAes128Gcm, clientKeys.Profile);
    }

    [Fact]
    public async Task A_server_certificate_that_does_not_match_the_sdp_fingerprint_is_refused()
    {
        await using var client = new UdpDtlsPeer(Ours, DtlsRole.Client);
        await using var server = new UdpDtlsPeer(Theirs, DtlsRole.Server);
        server.Remote = client.LocalEndPoint;
        client.Remote = server.LocalEndPoint;
        server.Dtls.SetRemoteFingerprint(Ours.Fingerprint);
        DtlsCertificate impostor = DtlsCertificate.Generate(TimeProvider.System);
        client.Dtls.SetRemoteFingerprint(impostor.Fingerprint); // the SDP named another certificate

        Task<DtlsSrtpKeys> serverHandshake = server.Dtls.HandshakeAsync();
        var refused = await Assert.ThrowsAsync<DtlsHandshakeException>(() => client.Dtls.HandshakeAsync().WaitAsync(Patience));

        Assert.Equal(DtlsFailure.FingerprintMismatch, refused.Failure);
        Assert.Contains($"its SDP says {impostor.Fingerprint}", refused.Message, StringComparison.Ordinal);
        Assert.Contains(Theirs.Fingerprint.ToString(), refused.Message, StringComparison.Ordinal);
        // The client told the server with a fatal alert: the server fails too, and at once.
        var serverFailure = await Assert.ThrowsAsync<DtlsHandshakeException>(() => serverHandshake.WaitAsync(Patience));
        Assert.Equal(DtlsFailure.AlertReceived, serverFailure.Failure);
        Assert.Contains("bad_certificate", serverFailure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_certificate_that_does_not_match_the_sdp_fingerprint_is_refused()
    {
        await using var client = new UdpDtlsPeer(Ours, DtlsRole.Client);
        await using var server = new UdpDtlsPeer(Theirs, DtlsRole.Server);
        server.Remote = client.LocalEndPoint;
        client.Remote = server.LocalEndPoint;
        server.Dtls.SetRemoteFingerprint(DtlsCertificate.Generate(TimeProvider.System).Fingerprint);
        client.Dtls.SetRemoteFingerprint(Theirs.Fingerprint);

        Task<DtlsSrtpKeys> clientHandshake = client.Dtls.HandshakeAsync();
        var refused = await Assert.ThrowsAsync<DtlsHandshakeException>(() => server.Dtls.HandshakeAsync().WaitAsync(Patience));

        Assert.Equal(DtlsFailure.FingerprintMismatch, refused.Failure);
        var clientFailure = await Assert.ThrowsAsync<DtlsHandshakeException>(() => clientHandshake.WaitAsync(Patience));
        Assert.Equal(DtlsFailure.AlertReceived, clientFailure.Failure);
    }

    [Fact]
    public async Task No_srtp_profile_in_common_is_refused()
    {
        await using var client = new UdpDtlsPeer(Ours, DtlsRole.Client, new DtlsSrtpOptions { Profiles = [SrtpProfile.AesCm128HmacSha1_32] });
        await using var server = new UdpDtlsPeer(Theirs, DtlsRole.Server, new DtlsSrtpOptions { Profiles = [SrtpProfile.AeadAes128Gcm] });
        Connect(client, server);

        Task<DtlsSrtpKeys> clientHandshake = client.Dtls.HandshakeAsync();
        var refused = await Assert.ThrowsAsync<DtlsHandshakeException>(() => server.Dtls.HandshakeAsync().WaitAsync(Patience));

        Assert.Equal(DtlsFailure.NoSrtpProfile, refused.Failure);
        Assert.Contains("0x0002", refused.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<DtlsHandshakeException>(() => clientHandshake.WaitAsync(Patience));
    }

    [Fact]
    public async Task A_handshake_with_nobody_answering_times_out_on_the_injected_clock()
    {
        var time = new FakeTimeProvider();
        await using var client = new UdpDtlsPeer(Ours, DtlsRole.Client, new DtlsSrtpOptions { HandshakeTimeout = TimeSpan.FromSeconds(10) }, time);
        await using var silent = new UdpDtlsPeer(Theirs, DtlsRole.Server); // never starts its handshake
        client.Remote = silent.LocalEndPoint;
        client.Dtls.SetRemoteFingerprint(Theirs.Fingerprint);

        Task<DtlsSrtpKeys> handshake = client.Dtls.HandshakeAsync();
        time.Advance(TimeSpan.FromSeconds(9));
        Assert.False(handshake.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));

        var failure = await Assert.ThrowsAsync<DtlsHandshakeException>(() => handshake.WaitAsync(Patience));
        Assert.Equal(DtlsFailure.Timeout, failure.Failure);
        Assert.Contains("no handshake within 10 s", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_peer_fingerprint_may_arrive_after_its_client_hello()
    {
        await using var client = new UdpDtlsPeer(Ours, DtlsRole.Client);
        await using var server = new UdpDtlsPeer(Theirs, DtlsRole.Server);
        server.Remote = client.LocalEndPoint;
        client.Remote = server.LocalEndPoint;
        client.Dtls.SetRemoteFingerprint(Theirs.Fingerprint);

        Task<DtlsSrtpKeys> serverHandshake = server.Dtls.HandshakeAsync();
        Task<DtlsSrtpKeys> clientHandshake = client.Dtls.HandshakeAsync();
        server.Dtls.SetRemoteFingerprint(Ours.Fingerprint); // the SIP answer arrives while DTLS is under way

        DtlsSrtpKeys serverKeys = await serverHandshake.WaitAsync(Patience);
        Assert.True((await clientHandshake.WaitAsync(Patience)).Mirrors(serverKeys));
    }

    [Fact]
    public async Task A_lost_last_flight_is_sent_again_after_the_server_finished_its_handshake()
    {
        await using var client = new UdpDtlsPeer(Ours, DtlsRole.Client);
        await using var server = new UdpDtlsPeer(Theirs, DtlsRole.Server);
        Connect(client, server);
        // The network loses the server's ChangeCipherSpec and Finished once: the server is done, the client is not.
        int dropped = 0;
        server.Lose = datagram => dropped < 2 && (datagram[0] == 20 || (dropped == 1 && datagram[0] == 22)) && ++dropped > 0;

        Task<DtlsSrtpKeys> serverHandshake = server.Dtls.HandshakeAsync();
        Task<DtlsSrtpKeys> clientHandshake = client.Dtls.HandshakeAsync();
        DtlsSrtpKeys serverKeys = await serverHandshake.WaitAsync(Patience);
        DtlsSrtpKeys clientKeys = await clientHandshake.WaitAsync(Patience);

        // The client retransmitted its last flight; the server, no longer in its handshake, answered it again.
        Assert.Equal(2, server.Lost);
        Assert.True(clientKeys.Mirrors(serverKeys));
        await AssertSrtpFlows(client, clientKeys, server, serverKeys);
    }

    [Fact]
    public async Task Closing_one_side_ends_the_association_on_the_other()
    {
        var client = new UdpDtlsPeer(Ours, DtlsRole.Client);
        await using var server = new UdpDtlsPeer(Theirs, DtlsRole.Server);
        Connect(client, server);
        Task<DtlsSrtpKeys> serverHandshake = server.Dtls.HandshakeAsync();
        await client.Dtls.HandshakeAsync().WaitAsync(Patience);
        await serverHandshake.WaitAsync(Patience);
        Assert.False(server.Dtls.Closed.IsCompleted);

        await client.DisposeAsync(); // close_notify

        string reason = await server.Dtls.Closed.WaitAsync(Patience);
        Assert.Equal("the peer closed the DTLS association", reason);
        Assert.False(server.Dtls.IsConnected);
    }

    internal static void Connect(UdpDtlsPeer client, UdpDtlsPeer server)
    {
        client.Remote = server.LocalEndPoint;
        server.Remote = client.LocalEndPoint;
        client.Dtls.SetRemoteFingerprint(server.Certificate.Fingerprint);
        server.Dtls.SetRemoteFingerprint(client.Certificate.Fingerprint);
    }

    /// <summary>Each side protects with its outbound context, sends over its UDP socket, and the other side decrypts it.</summary>
    internal static async Task AssertSrtpFlows(UdpDtlsPeer a, DtlsSrtpKeys aKeys, UdpDtlsPeer b, DtlsSrtpKeys bKeys)
    {
        using SrtpContext aOut = aKeys.CreateOutbound();
        using SrtpContext bOut = bKeys.CreateOutbound();
        a.UseInbound(aKeys.CreateInbound());
        b.UseInbound(bKeys.CreateInbound());
        foreach ((UdpDtlsPeer from, SrtpContext context, UdpDtlsPeer to) in new[] { (a, aOut, b), (b, bOut, a) })
        {
            for (ushort seq = 1; seq <= 5; seq++)
            {
                byte[] plain = SrtpContextTests.Rtp(seq, 160);
                byte[] buffer = new byte[plain.Length + 16];
                plain.CopyTo(buffer, 0);
                from.Send(buffer.AsSpan(0, context.ProtectRtp(buffer, plain.Length)));
                byte[] received = await to.Decrypted.Reader.ReadAsync().AsTask().WaitAsync(Patience);
                Assert.Equal(plain, received);
            }
        }

        Assert.False(a.Refused.Reader.TryRead(out _));
        Assert.False(b.Refused.Reader.TryRead(out _));
    }
}
