using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using ContactCenter.Media.Dtls;
using ContactCenter.Media.Srtp;

namespace ContactCenter.Media.Tests.Dtls;

/// <summary>
/// Our DTLS-SRTP against OpenSSL's (openssl s_server / s_client -dtls1_2 -use_srtp): the handshake
/// completes both ways, the profile is the one chosen, and the SRTP keying material OpenSSL exports
/// ("EXTRACTOR-dtls_srtp") is byte for byte what we derived. Needs the openssl command (test.sh installs it).
/// </summary>
public sealed class OpenSslDtlsInteropTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly string folder = Directory.CreateTempSubdirectory("cc-dtls-openssl-").FullName;
    private readonly string certificatePath;
    private readonly string keyPath;
    private readonly DtlsFingerprint opensslFingerprint;
    private readonly DtlsCertificate ours = DtlsCertificate.Generate(TimeProvider.System);

    public OpenSslDtlsInteropTests()
    {
        certificatePath = Path.Combine(folder, "peer.pem");
        keyPath = Path.Combine(folder, "peer.key");
        using (Process req = Run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", keyPath, "-out", certificatePath, "-subj", "/CN=openssl-peer", "-days", "1"))
        {
            req.StandardInput.Close();
            if (!req.WaitForExit(20_000) || req.ExitCode != 0)
            {
                throw new InvalidOperationException($"openssl req failed: {req.StandardError.ReadToEnd()}");
            }
        }

        string pem = File.ReadAllText(certificatePath);
        System.Security.Cryptography.PemFields fields = System.Security.Cryptography.PemEncoding.Find(pem);
        opensslFingerprint = DtlsFingerprint.Of(Convert.FromBase64String(pem[fields.Base64Data]));
    }

    public static TheoryData<int> Profiles => new() { (int)SrtpProfile.AesCm128HmacSha1_80, (int)SrtpProfile.AeadAes128Gcm, (int)SrtpProfile.AesCm128HmacSha1_32 };

    [Theory]
    [MemberData(nameof(Profiles))]
    public async Task Our_client_against_openssl_s_server_exports_the_same_keys(int profileNumber)
    {
        var profile = (SrtpProfile)profileNumber;
        int port = FreeUdpPort();
        using Process server = Run("s_server", "-dtls1_2", "-accept", $"127.0.0.1:{port}", "-naccept", "1",
            "-use_srtp", OpenSslName(profile), "-keymatexport", DtlsSrtpKeys.ExporterLabel, "-keymatexportlen", $"{DtlsSrtpKeys.MaterialLength(profile)}",
            "-cert", certificatePath, "-key", keyPath, "-Verify", "1");
        ChannelReader<string> output = Lines(server);
        await WaitForLine(output, line => line == "ACCEPT");

        await using var client = new UdpDtlsPeer(ours, DtlsRole.Client, new DtlsSrtpOptions { Profiles = [profile] });
        client.Remote = new IPEndPoint(IPAddress.Loopback, port);
        client.Dtls.SetRemoteFingerprint(opensslFingerprint);
        DtlsSrtpKeys keys = await client.Dtls.HandshakeAsync().WaitAsync(Patience);

        await WaitForLine(output, line => line == $"SRTP Extension negotiated, profile={OpenSslName(profile)}");
        string material = await WaitForLine(output, line => line.TrimStart().StartsWith("Keying material: ", StringComparison.Ordinal));
        Assert.Equal(material.Trim()["Keying material: ".Length..], Convert.ToHexString(keys.ToKeyingMaterial(weAreClient: true)));
        Assert.Equal(profile, keys.Profile);
        Stop(server);
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public async Task Openssl_s_client_against_our_server_exports_the_same_keys(int profileNumber)
    {
        var profile = (SrtpProfile)profileNumber;
        await using var server = new UdpDtlsPeer(ours, DtlsRole.Server, new DtlsSrtpOptions { Profiles = [SrtpProfile.AeadAes128Gcm, SrtpProfile.AesCm128HmacSha1_80, SrtpProfile.AesCm128HmacSha1_32] });
        server.Dtls.SetRemoteFingerprint(opensslFingerprint);
        Task<DtlsSrtpKeys> handshake = server.Dtls.HandshakeAsync();

        using Process client = Run("s_client", "-dtls1_2", "-connect", $"127.0.0.1:{server.LocalEndPoint.Port}",
            "-use_srtp", OpenSslName(profile), "-keymatexport", DtlsSrtpKeys.ExporterLabel, "-keymatexportlen", $"{DtlsSrtpKeys.MaterialLength(profile)}",
            "-cert", certificatePath, "-key", keyPath);
        ChannelReader<string> output = Lines(client);
        DtlsSrtpKeys keys = await handshake.WaitAsync(Patience);

        await WaitForLine(output, line => line == $"SRTP Extension negotiated, profile={OpenSslName(profile)}");
        string material = await WaitForLine(output, line => line.TrimStart().StartsWith("Keying material: ", StringComparison.Ordinal));
        Assert.Equal(material.Trim()["Keying material: ".Length..], Convert.ToHexString(keys.ToKeyingMaterial(weAreClient: false)));
        Assert.Equal(profile, keys.Profile);
        Stop(client);
    }

    [Fact]
    public async Task An_openssl_certificate_other_than_the_sdp_fingerprint_is_refused()
    {
        int port = FreeUdpPort();
        using Process server = Run("s_server", "-dtls1_2", "-accept", $"127.0.0.1:{port}", "-naccept", "1",
            "-use_srtp", "SRTP_AES128_CM_SHA1_80", "-cert", certificatePath, "-key", keyPath, "-Verify", "1");
        ChannelReader<string> output = Lines(server);
        await WaitForLine(output, line => line == "ACCEPT");

        await using var client = new UdpDtlsPeer(ours, DtlsRole.Client, new DtlsSrtpOptions { Profiles = [SrtpProfile.AesCm128HmacSha1_80] });
        client.Remote = new IPEndPoint(IPAddress.Loopback, port);
        client.Dtls.SetRemoteFingerprint(DtlsCertificate.Generate(TimeProvider.System).Fingerprint);

        var refused = await Assert.ThrowsAsync<DtlsHandshakeException>(() => client.Dtls.HandshakeAsync().WaitAsync(Patience));
        Assert.Equal(DtlsFailure.FingerprintMismatch, refused.Failure);
        // OpenSSL was told why: our bad_certificate alert.
        await WaitForLine(output, line => line.Contains("bad certificate", StringComparison.OrdinalIgnoreCase));
        Stop(server);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string OpenSslName(SrtpProfile profile) => profile switch
    {
        SrtpProfile.AesCm128HmacSha1_80 => "SRTP_AES128_CM_SHA1_80",
        SrtpProfile.AesCm128HmacSha1_32 => "SRTP_AES128_CM_SHA1_32",
        SrtpProfile.AeadAes128Gcm => "SRTP_AEAD_AES_128_GCM",
        _ => throw new ArgumentOutOfRangeException(nameof(profile)),
    };

    private static Process Run(params string[] arguments)
    {
        var start = new ProcessStartInfo("openssl")
        {
            RedirectStandardInput = true, // s_server and s_client end when their standard input closes
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            return Process.Start(start) ?? throw new InvalidOperationException("openssl did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("The openssl command is needed for the DTLS interop tests (apt-get install openssl).", e);
        }
    }

    /// <summary>Standard output and error, line by line.</summary>
    private static ChannelReader<string> Lines(Process process)
    {
        var lines = Channel.CreateUnbounded<string>();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lines.Writer.TryWrite(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lines.Writer.TryWrite(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return lines.Reader;
    }

    private static async Task<string> WaitForLine(ChannelReader<string> lines, Func<string, bool> wanted)
    {
        var seen = new List<string>();
        using var timeout = new CancellationTokenSource(Patience);
        try
        {
            while (true)
            {
                string line = await lines.ReadAsync(timeout.Token);
                seen.Add(line);
                if (wanted(line))
                {
                    return line;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"openssl never printed the expected line; it printed:\n{string.Join('\n', seen)}");
        }
    }

    private static void Stop(Process process)
    {
        process.StandardInput.Close();
        if (!process.WaitForExit(5000))
        {
            process.Kill();
        }
    }

    private static int FreeUdpPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
