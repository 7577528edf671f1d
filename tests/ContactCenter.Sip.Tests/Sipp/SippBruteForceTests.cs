using System.Net;
using ContactCenter.Sip.Auth;

namespace ContactCenter.Sip.Tests.Sipp;

/// <summary>
/// Issue 17's brute-force run: SIPp guesses alice's password from 127.0.0.1 while alice's real phone (SIPp on 127.0.0.2)
/// registers and calls at the same time. The attacker is blocked after N wrong answers; the phone keeps working, 100 %.
/// </summary>
[Collection("sipp")]
public class SippBruteForceTests
{
    private static string Scenario(string name) => Path.Combine(AppContext.BaseDirectory, "Sipp", "Scenarios", name);

    [Theory]
    [InlineData("403")]
    [InlineData("silence")]
    public async Task Guessing_source_is_blocked_after_n_while_the_phone_from_another_address_registers_and_calls(string blockResponse)
    {
        const int limit = 5;
        const int guesses = 15;
        const int registrations = 10;
        const int calls = 10;
        var creds = new InMemoryCredentials(("alice", "s3cret"));
        await using var ep = TestSupport.StartEndpoint(o =>
        {
            o.DigestAlgorithms = "MD5,SHA-256"; // SIPp answers only the first challenge, with MD5
            o.AuthFailureLimit = limit;
            o.AuthBlockResponse = blockResponse;
            // The default per-source rate (Sip:RateLimitPerSecond 20) is kept: the phone never reaches it.
        }, credentials: creds);
        var uas = new AnsweringUas(ep);
        var port = ep.Port;

        // The attacker: each SIPp "call" is one REGISTER answered with a wrong password. After the block its REGISTERs
        // get 403 (or nothing, and SIPp's 2 s timeout ends them).
        var attacker = SippRunner.RunAsync(
            $"-sf {Scenario("register-digest.xml")} -i 127.0.0.1 -s alice -au alice -ap wrong{blockResponse} -m {guesses} -r 10 -timeout 90s " +
            $"-timeout_error -recv_timeout 2000 127.0.0.1:{port}",
            TimeSpan.FromSeconds(120));
        // Alice's phone, from 127.0.0.2: registers with the right password, and calls.
        var phoneRegisters = SippRunner.RunAsync(
            $"-sf {Scenario("register-digest.xml")} -i 127.0.0.2 -s alice -au alice -ap s3cret -m {registrations} -r 2 -timeout 90s -timeout_error 127.0.0.1:{port}",
            TimeSpan.FromSeconds(120));
        var phoneCalls = SippRunner.RunAsync(
            $"-sn uac -i 127.0.0.2 -s 1000 -m {calls} -r 2 -d 200 -timeout 90s -timeout_error 127.0.0.1:{port}",
            TimeSpan.FromSeconds(120));
        var attack = await attacker;
        var registered = await phoneRegisters;
        var called = await phoneCalls;

        var (attackOk, attackFailed) = SippRunner.Totals(attack.Output);
        Assert.True(attackOk == 0 && attackFailed == guesses, $"attacker: {attackOk} ok, {attackFailed} failed\n{attack.Output}");
        Assert.True(registered.ExitCode == 0 && SippRunner.Totals(registered.Output) == (registrations, 0), $"phone REGISTER\n{registered.Output}");
        Assert.True(called.ExitCode == 0 && SippRunner.Totals(called.Output) == (calls, 0), $"phone calls\n{called.Output}");
        Assert.Equal(calls, uas.Answered);

        var guard = ep.AuthGuard!;
        var blocked = Assert.Single(guard.GetBlockedSources());
        Assert.Equal(IPAddress.Loopback, blocked.Address);
        Assert.Equal(limit, blocked.Failures);
        Assert.Equal("alice", blocked.LastUser);
        Assert.Equal(1, guard.BlocksTotal);
        Assert.Equal(limit, guard.FailuresTotal);
        // Every guess after the block was refused before the registrar saw it: its first REGISTER each.
        Assert.True(guard.BlockedRequestsTotal >= guesses - limit, $"{guard.BlockedRequestsTotal} requests refused");
        Assert.False(guard.IsBlocked(IPAddress.Parse("127.0.0.2")));
        Assert.Contains(ep.Registrar.GetBindingsForUser("alice"), b => b.Contact.Host == "127.0.0.2");
        Assert.DoesNotContain(ep.Registrar.GetBindingsForUser("alice"), b => b.Contact.Host == "127.0.0.1");
    }
}
