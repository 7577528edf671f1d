using System.Net;
using ContactCenter.Sip.Auth;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Registrar;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ContactCenter.Sip.Tests.Auth;

/// <summary>Digest uri against the Request-URI, and the brute-force guard (counting, blocking, lapsing, per user).</summary>
public class BruteForceTests
{
    private static readonly IPAddress Attacker = IPAddress.Parse("192.0.2.66");
    private static readonly IPAddress Phone = IPAddress.Parse("192.0.2.10");
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));
    private readonly InMemoryCredentials creds = new(("alice", "s3cret"));
    private readonly CountingLogger<DigestFailureGuard> guardLog = new();
    private uint cseq = 1;

    private (SipRegistrar Registrar, DigestFailureGuard Guard) Create(int sourceLimit = 3, int userLimit = 0)
    {
        var guard = new DigestFailureGuard(new DigestFailureGuardOptions
        {
            SourceLimit = sourceLimit,
            UserLimit = userLimit,
            Window = TimeSpan.FromMinutes(5),
            BlockTime = TimeSpan.FromMinutes(15),
        }, time, guardLog);
        var registrar = new SipRegistrar(new RegistrarOptions(), time,
            new DigestAuthenticator(new DigestOptions { Realm = "cc", Algorithms = [DigestAlgorithm.Md5] }, creds, time), NullLogger<SipRegistrar>.Instance, guard);
        return (registrar, guard);
    }

    private SipRequest Register(string requestUri, IPAddress from, string? authorization = null, string user = "alice")
    {
        var text = $"REGISTER {requestUri} SIP/2.0\r\nVia: SIP/2.0/UDP {from}:5062;branch=z9hG4bK{cseq}x\r\nFrom: <sip:{user}@cc.example>;tag=77\r\n" +
                   $"To: <sip:{user}@cc.example>\r\nCall-ID: reg-{from}\r\nCSeq: {cseq++} REGISTER\r\nContact: <sip:{user}@{from}:5062>\r\n" +
                   (authorization is null ? "" : $"Authorization: {authorization}\r\n") + "Content-Length: 0\r\n\r\n";
        var r = SipParser.Parse(text);
        Assert.True(r.IsSuccess, r.Error?.ToString());
        var request = (SipRequest)r.Message!;
        request.Source = new SipSource(SipProtocol.Udp, new IPEndPoint(from, 5062), new IPEndPoint(IPAddress.Loopback, 5060));
        return request;
    }

    private async Task<SipResponse> TryAsync(SipRegistrar reg, IPAddress from, string password, string requestUri = "sip:cc.example", string digestUri = "sip:cc.example", string user = "alice")
    {
        var first = await reg.HandleRegisterAsync(Register(requestUri, from, user: user), CancellationToken.None);
        Assert.Equal(401, first.StatusCode);
        var auth = DigestClient.CreateAuthorization(first.Headers.GetAll("WWW-Authenticate")[0], "REGISTER", digestUri, user, password, 1, "c0ffee");
        return await reg.HandleRegisterAsync(Register(requestUri, from, auth, user), CancellationToken.None);
    }

    [Fact]
    public async Task A_digest_for_another_request_uri_is_refused_and_counted()
    {
        var (reg, guard) = Create();
        var r = await TryAsync(reg, Phone, "s3cret", requestUri: "sip:cc.example", digestUri: "sip:other.example");
        Assert.Equal(401, r.StatusCode);
        Assert.Empty(reg.GetBindings("sip:alice@cc.example"));
        Assert.Equal(1, guard.FailuresTotal);
        // The same password with the right uri registers; the port, scheme and user must match too.
        Assert.Equal(200, (await TryAsync(reg, Phone, "s3cret", requestUri: "sip:cc.example", digestUri: "sip:cc.example")).StatusCode);
        Assert.Equal(401, (await TryAsync(reg, Phone, "s3cret", requestUri: "sip:cc.example", digestUri: "sip:cc.example:5070")).StatusCode);
        Assert.Equal(401, (await TryAsync(reg, Phone, "s3cret", requestUri: "sip:cc.example", digestUri: "sips:cc.example")).StatusCode);
    }

    [Theory]
    [InlineData("sip:cc.example", "sip:CC.example", true)]
    [InlineData("sip:cc.example;transport=tcp", "sip:cc.example", true)]
    [InlineData("sip:bob@cc.example", "sip:alice@cc.example", false)]
    [InlineData("sip:cc.example:5060", "sip:cc.example", false)]
    [InlineData("sip:cc.example", "not a uri", false)]
    public void Digest_uri_matching(string requestUri, string digestUri, bool matches) =>
        Assert.Equal(matches, DigestAuthenticator.UriMatches(digestUri, SipUri.Parse(requestUri)));

    [Fact]
    public async Task A_source_is_blocked_after_n_wrong_answers_and_logged_once_while_another_source_registers()
    {
        var (reg, guard) = Create(sourceLimit: 3);
        BlockedSipSource? raised = null;
        var raisedCount = 0;
        guard.SourceBlocked += b => { raised = b; raisedCount++; };
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(401, (await TryAsync(reg, Attacker, "guess" + i)).StatusCode);
            Assert.False(guard.IsBlocked(Attacker));
        }
        Assert.Equal(401, (await TryAsync(reg, Attacker, "guess2")).StatusCode);
        Assert.True(guard.IsBlocked(Attacker));
        Assert.Equal(1, raisedCount);
        Assert.Equal(Attacker, raised!.Address);
        Assert.Equal(3, raised.Failures);
        Assert.Equal("alice", raised.LastUser);
        Assert.Equal(time.GetUtcNow().AddMinutes(15), raised.Until);
        Assert.Equal(1, guardLog.Warnings);
        // More failures while blocked (requests that got past, e.g. in flight) block nothing again and log nothing.
        await TryAsync(reg, Attacker, "guess3");
        Assert.Equal(1, raisedCount);
        Assert.Equal(1, guardLog.Warnings);
        Assert.Equal(1, guard.BlocksTotal);
        // The phone from another address, with the right password, is not affected.
        Assert.False(guard.IsBlocked(Phone));
        Assert.Equal(200, (await TryAsync(reg, Phone, "s3cret")).StatusCode);
        var blocked = Assert.Single(guard.GetBlockedSources());
        Assert.Equal(Attacker, blocked.Address);
        Assert.Equal(1, guard.BlockedSourceCount);
        // The block lapses.
        time.Advance(TimeSpan.FromMinutes(15));
        Assert.False(guard.IsBlocked(Attacker));
        Assert.Empty(guard.GetBlockedSources());
    }

    [Fact]
    public async Task Failures_older_than_the_window_do_not_count_and_a_missing_answer_or_stale_nonce_is_no_guess()
    {
        var (reg, guard) = Create(sourceLimit: 3);
        await TryAsync(reg, Attacker, "a");
        await TryAsync(reg, Attacker, "b");
        time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        await TryAsync(reg, Attacker, "c");
        await TryAsync(reg, Attacker, "d");
        Assert.False(guard.IsBlocked(Attacker));
        Assert.Equal(4, guard.FailuresTotal);
        // A REGISTER without Authorization (every phone's first) is not a failure.
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(401, (await reg.HandleRegisterAsync(Register("sip:cc.example", Attacker), CancellationToken.None)).StatusCode);
        }
        Assert.Equal(4, guard.FailuresTotal);
        Assert.False(guard.IsBlocked(Attacker));
    }

    [Fact]
    public async Task A_targeted_user_gets_every_failing_source_blocked_at_once_and_the_right_password_still_works()
    {
        var (reg, guard) = Create(sourceLimit: 100, userLimit: 4);
        for (var i = 0; i < 5; i++)
        {
            await TryAsync(reg, IPAddress.Parse($"198.51.100.{i + 1}"), "guess");
        }
        // The fifth source failed for a user over its limit: blocked at its first failure.
        Assert.True(guard.IsBlocked(IPAddress.Parse("198.51.100.5")));
        Assert.False(guard.IsBlocked(IPAddress.Parse("198.51.100.1")));
        var targeted = Assert.Single(guard.GetTargetedUsers());
        Assert.Equal(("alice", 5, true), (targeted.User, targeted.Failures, targeted.Targeted));
        Assert.Equal(200, (await TryAsync(reg, Phone, "s3cret")).StatusCode);
    }

    [Fact]
    public async Task An_operator_unblocks_a_source()
    {
        var (reg, guard) = Create(sourceLimit: 1);
        await TryAsync(reg, Attacker, "x");
        Assert.True(guard.IsBlocked(Attacker));
        Assert.True(guard.Unblock(Attacker));
        Assert.False(guard.IsBlocked(Attacker));
        Assert.False(guard.Unblock(Attacker));
    }

    [Theory]
    [InlineData(nameof(SipEndpointOptions.AuthBlockResponse), "drop", "Sip:AuthBlockResponse")]
    [InlineData(nameof(SipEndpointOptions.AuthFailureLimit), "-1", "Sip:AuthFailureLimit")]
    [InlineData(nameof(SipEndpointOptions.AuthBlockTime), "0", "Sip:AuthBlockTime")]
    [InlineData(nameof(SipEndpointOptions.RateLimitExempt), "10.0.0.0/8, trunk.example", "Sip:RateLimitExempt")]
    public void Bad_settings_are_refused_at_start(string property, string value, string named)
    {
        var o = new SipEndpointOptions();
        switch (property)
        {
            case nameof(SipEndpointOptions.AuthBlockResponse): o.AuthBlockResponse = value; break;
            case nameof(SipEndpointOptions.AuthFailureLimit): o.AuthFailureLimit = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
            case nameof(SipEndpointOptions.AuthBlockTime): o.AuthBlockTime = TimeSpan.Zero; break;
            case nameof(SipEndpointOptions.RateLimitExempt): o.RateLimitExempt = value; break;
        }
        var error = o.Validate();
        Assert.NotNull(error);
        Assert.Contains(named, error, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new ContactCenter.Sip.UserAgent.SipEndpoint(o, NullLoggerFactory.Instance));
    }
}

internal sealed class CountingLogger<T> : ILogger<T>
{
    public int Warnings;

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (logLevel == LogLevel.Warning)
        {
            Interlocked.Increment(ref Warnings);
        }
    }
}
