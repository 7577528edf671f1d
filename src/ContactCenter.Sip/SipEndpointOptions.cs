namespace ContactCenter.Sip;

/// <summary>Settings of a SIP endpoint (configuration section "Sip").</summary>
public sealed class SipEndpointOptions
{
    /// <summary>Address to listen on (Sip:ListenAddress).</summary>
    public string ListenAddress { get; set; } = "127.0.0.1";
    /// <summary>UDP and TCP port (Sip:Port); 0 picks a free port (tests).</summary>
    public int Port { get; set; } = 5060;
    /// <summary>Listen on UDP.</summary>
    public bool EnableUdp { get; set; } = true;
    /// <summary>Listen on TCP.</summary>
    public bool EnableTcp { get; set; } = true;
    /// <summary>Listen for SIP over TLS (RFC 3261 §26, RFC 5630) on <see cref="TlsPort"/>.</summary>
    public bool EnableTls { get; set; }
    /// <summary>The TLS port (Sip:TlsPort); 0 picks a free port (tests).</summary>
    public int TlsPort { get; set; } = 5061;
    /// <summary>
    /// The TLS certificate: a .pfx/.p12 file, or a PEM certificate (chain) with <see cref="TlsKeyPath"/>. Empty: a
    /// self-signed certificate is generated (the embedded default; phones must be told to trust it).
    /// </summary>
    public string? TlsCertificatePath { get; set; }
    /// <summary>The PEM private key of a PEM <see cref="TlsCertificatePath"/> (empty: the key is in the same file).</summary>
    public string? TlsKeyPath { get; set; }
    /// <summary>Password of the PFX, or of an encrypted PEM key.</summary>
    public string? TlsCertificatePassword { get; set; }
    /// <summary>Where a generated self-signed certificate is kept across restarts (empty: a new one each start).</summary>
    public string? TlsSelfSignedPath { get; set; }
    /// <summary>Host written in Via and Contact; defaults to the listen address (or the first local address for 0.0.0.0).</summary>
    public string? PublicHost { get; set; }
    /// <summary>Digest realm of the registrar.</summary>
    public string Realm { get; set; } = "contactcenter";
    /// <summary>Timer T1: RTT estimate (RFC 3261 §17.1.1.1).</summary>
    public TimeSpan T1 { get; set; } = TimeSpan.FromMilliseconds(500);
    /// <summary>Timer T2: longest retransmit interval for non-INVITE requests and INVITE responses.</summary>
    public TimeSpan T2 { get; set; } = TimeSpan.FromSeconds(4);
    /// <summary>Timer T4: longest time a message stays in the network.</summary>
    public TimeSpan T4 { get; set; } = TimeSpan.FromSeconds(5);
    /// <summary>Largest SIP message accepted.</summary>
    public int MaxMessageSize { get; set; } = 65_535;
    /// <summary>Most header fields in a message.</summary>
    public int MaxHeaderCount { get; set; } = 256;
    /// <summary>Requests larger than this go over TCP instead of UDP (RFC 3261 §18.1.1).</summary>
    public int UdpMtu { get; set; } = 1300;
    /// <summary>A TCP connection idle this long is closed.</summary>
    public TimeSpan TcpIdleTimeout { get; set; } = TimeSpan.FromMinutes(2);
    /// <summary>Most TCP connections from one source address.</summary>
    public int MaxTcpConnectionsPerSource { get; set; } = 32;
    /// <summary>Most TCP connections in total.</summary>
    public int MaxTcpConnections { get; set; } = 4096;
    /// <summary>Most SIP WebSocket connections open at once (RFC 7118; the web host accepts them).</summary>
    public int MaxWebSocketConnections { get; set; } = 4096;
    /// <summary>Timeout for opening an outbound TCP connection.</summary>
    public TimeSpan TcpConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);
    /// <summary>
    /// Requests per second allowed from one source address (0 = no limit). A phone sends a few a minute (REGISTER
    /// refreshes, a call's INVITE/ACK/BYE, OPTIONS keep-alives): 20 a second is far above any phone and far below a
    /// scanner. Trunks, which carry many calls from one address, are exempt (<see cref="RateLimitExempt"/>; the gateway
    /// adds every trunk's allowed addresses).
    /// </summary>
    public int RateLimitPerSecond { get; set; } = 20;
    /// <summary>Burst allowance of the per-source limit.</summary>
    public int RateLimitBurst { get; set; } = 40;
    /// <summary>Addresses or CIDR ranges (comma-separated) that the per-source request rate does not apply to (trunks, a load generator).</summary>
    public string RateLimitExempt { get; set; } = "";
    /// <summary>Wrong digest answers from one source address within <see cref="AuthFailureWindow"/> that block it (0 = never).</summary>
    public int AuthFailureLimit { get; set; } = 10;
    /// <summary>
    /// Wrong digest answers for one user name (from any source) within the window after which every source that fails
    /// for that user is blocked at its first failure (a distributed guess); 0 = never.
    /// </summary>
    public int AuthFailureUserLimit { get; set; } = 30;
    /// <summary>The window wrong digest answers are counted in.</summary>
    public TimeSpan AuthFailureWindow { get; set; } = TimeSpan.FromMinutes(5);
    /// <summary>How long a source blocked for guessing stays blocked.</summary>
    public TimeSpan AuthBlockTime { get; set; } = TimeSpan.FromMinutes(15);
    /// <summary>What a blocked source is answered: <c>silence</c> (dropped) or <c>403</c>.</summary>
    public string AuthBlockResponse { get; set; } = "silence";
    /// <summary>After a 503, a source over the limit is ignored this long.</summary>
    public TimeSpan RateLimitCoolOff { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>
    /// New INVITEs (outside a dialog) held per UDP receive thread while it serves everything else first (ACK, BYE, CANCEL,
    /// in-dialog requests, responses, retransmissions of known transactions). Beyond this many, a new INVITE is answered
    /// 503 with Retry-After (<see cref="OverloadRetryAfter"/>) at once, without a transaction.
    /// </summary>
    public int MaxQueuedInvites { get; set; } = 2048;
    /// <summary>
    /// A new INVITE is answered 503 with Retry-After at once, on the receive thread and without a transaction, when the
    /// oldest INVITE already queued has waited longer than this: it would wait at least as long behind work already
    /// accepted, so it is refused now rather than after the wait (the caller hears 503 in microseconds, not after its
    /// 500 ms retransmission). Zero turns this off (only <see cref="MaxQueuedInvites"/> bounds the queue).
    /// </summary>
    public TimeSpan MaxInviteQueueWait { get; set; } = TimeSpan.FromMilliseconds(100);
    /// <summary>Retry-After of the 503 sent to a new INVITE refused for overload (the stack's queue full, or the application's admission).</summary>
    public TimeSpan OverloadRetryAfter { get; set; } = TimeSpan.FromSeconds(5);
    /// <summary>Answer UDP requests to their source port even without rport (NAT friendliness, like force_rport).</summary>
    public bool ForceRport { get; set; } = true;
    /// <summary>User-Agent / Server header value.</summary>
    public string UserAgent { get; set; } = "ContactCenter.Sip";
    /// <summary>
    /// UDP receive threads (0 = 1). One thread handles a peer's datagrams in the order they arrived
    /// (an ACK is never handled before its INVITE); more threads add throughput on many-core machines
    /// at the cost of that ordering, which the stack tolerates but does not need to.
    /// </summary>
    public int UdpReceiveLoops { get; set; }
    /// <summary>An incoming INVITE the application leaves unanswered this long is answered 480 (no transaction leaks).</summary>
    public TimeSpan MaxRingTime { get; set; } = TimeSpan.FromMinutes(3);
    /// <summary>Registrar: default expiry in seconds.</summary>
    public int RegistrarDefaultExpires { get; set; } = 3600;
    /// <summary>Registrar: shortest non-zero expiry accepted.</summary>
    public int RegistrarMinExpires { get; set; } = 60;
    /// <summary>Registrar: longest expiry granted.</summary>
    public int RegistrarMaxExpires { get; set; } = 7200;
    /// <summary>
    /// Digest algorithms offered in 401 challenges, most preferred first (RFC 8760 §2.4). Some clients
    /// (SIPp 3.6, older phones) only read the first challenge and only know MD5: put MD5 first for them.
    /// </summary>
    public string DigestAlgorithms { get; set; } = "SHA-256,MD5";
    /// <summary>How long a digest nonce is valid.</summary>
    public TimeSpan NonceLifetime { get; set; } = TimeSpan.FromMinutes(5);

    internal Auth.DigestFailureGuardOptions AuthGuardOptions() => new()
    {
        SourceLimit = AuthFailureLimit,
        UserLimit = AuthFailureUserLimit,
        Window = AuthFailureWindow,
        BlockTime = AuthBlockTime,
        Response = AuthBlockResponse.Trim() == "403" ? Auth.AuthBlockResponse.Forbidden : Auth.AuthBlockResponse.Silence,
    };

    internal IReadOnlyList<Auth.DigestAlgorithm> ParsedDigestAlgorithms() =>
        DigestAlgorithms.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(a => a == "MD5" ? Auth.DigestAlgorithm.Md5 : Auth.DigestAlgorithm.Sha256).ToList();

    /// <summary>Checks the settings; returns an error naming the key, or null.</summary>
    public string? Validate()
    {
        if (!System.Net.IPAddress.TryParse(ListenAddress, out _))
        {
            return $"Sip:ListenAddress '{ListenAddress}' is not an IP address";
        }
        if (Port is < 0 or > 65535)
        {
            return $"Sip:Port {Port} is not a port number";
        }
        if (T1 <= TimeSpan.Zero || T2 < T1 || T4 <= TimeSpan.Zero)
        {
            return "Sip:T1, Sip:T2 and Sip:T4 must be positive with T2 >= T1";
        }
        if (!EnableUdp && !EnableTcp)
        {
            return "Sip:EnableUdp and Sip:EnableTcp are both false";
        }
        if (EnableTls)
        {
            if (TlsPort is < 0 or > 65535 || (TlsPort != 0 && TlsPort == Port))
            {
                return $"Sip:TlsPort {TlsPort} must be a port number other than Sip:Port";
            }
            if (!string.IsNullOrWhiteSpace(TlsCertificatePath) && !File.Exists(TlsCertificatePath))
            {
                return $"Sip:TlsCertificatePath '{TlsCertificatePath}' does not exist";
            }
            if (!string.IsNullOrWhiteSpace(TlsKeyPath) && !File.Exists(TlsKeyPath))
            {
                return $"Sip:TlsKeyPath '{TlsKeyPath}' does not exist";
            }
            if (Transport.SipTlsCertificate.Check(this) is { } tlsError)
            {
                return tlsError;
            }
        }
        foreach (var a in DigestAlgorithms.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (a is not ("SHA-256" or "MD5"))
            {
                return $"Sip:DigestAlgorithms has '{a}'; use SHA-256 and/or MD5";
            }
        }
        if (MaxQueuedInvites < 1)
        {
            return $"Sip:MaxQueuedInvites {MaxQueuedInvites} must be at least 1";
        }
        if (MaxInviteQueueWait < TimeSpan.Zero || MaxInviteQueueWait > TimeSpan.FromSeconds(30))
        {
            return $"Sip:MaxInviteQueueWait {MaxInviteQueueWait} must be between 0 (off) and 30 seconds";
        }
        if (OverloadRetryAfter < TimeSpan.FromSeconds(1) || OverloadRetryAfter > TimeSpan.FromHours(1))
        {
            return $"Sip:OverloadRetryAfter {OverloadRetryAfter} must be between 1 second and 1 hour (Retry-After is in whole seconds)";
        }
        if (AuthBlockResponse.Trim() is not ("silence" or "403"))
        {
            return $"Sip:AuthBlockResponse '{AuthBlockResponse}' must be 'silence' or '403'";
        }
        if (AuthFailureLimit < 0 || AuthFailureUserLimit < 0)
        {
            return "Sip:AuthFailureLimit and Sip:AuthFailureUserLimit must be 0 (off) or more";
        }
        if (AuthFailureWindow <= TimeSpan.Zero || AuthBlockTime <= TimeSpan.Zero)
        {
            return "Sip:AuthFailureWindow and Sip:AuthBlockTime must be positive";
        }
        if (RateLimitPerSecond < 0 || RateLimitBurst < 0)
        {
            return "Sip:RateLimitPerSecond and Sip:RateLimitBurst must be 0 or more";
        }
        if (Transport.SipRateLimiter.ParseExempt(RateLimitExempt, out var exemptError) is null)
        {
            return $"Sip:RateLimitExempt: {exemptError}";
        }
        if (MaxWebSocketConnections < 1)
        {
            return $"Sip:MaxWebSocketConnections {MaxWebSocketConnections} must be at least 1";
        }
        return MaxMessageSize < 1024 ? "Sip:MaxMessageSize must be at least 1024" : null;
    }
}
