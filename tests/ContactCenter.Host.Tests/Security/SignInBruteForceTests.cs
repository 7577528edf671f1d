using System.Net;
using System.Net.Http.Json;
using Xunit.Abstractions;

namespace ContactCenter.Host.Tests.Security;

/// <summary>
/// Issue 17: a script hammers POST /api/auth/token with wrong passwords from 127.0.0.2 while alice signs in from 127.0.0.1
/// (the host trusts no proxy, so the connection's address is the source). The attacker is locked out of alice's login after
/// Auth:LockoutFailures (5) failures and cut off entirely after Auth:SignInPermitsPerAddress (20) attempts; alice succeeds
/// every time.
/// </summary>
public sealed class SignInBruteForceTests(ITestOutputHelper output)
{
    private static readonly IPAddress Attacker = IPAddress.Parse("127.0.0.2");

    [Fact]
    public async Task An_address_guessing_passwords_is_blocked_after_N_tries_while_the_agent_from_another_address_always_signs_in()
    {
        await using var host = HostProcess.Start();
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(45));
        using var attacker = SecurityClient.From(Attacker, host.BaseAddress);
        using var agent = SecurityClient.From(IPAddress.Loopback, host.BaseAddress);

        var answers = new List<HttpStatusCode>();
        var agentSuccesses = 0;
        const int agentSignIns = 10;
        for (var attempt = 0; attempt < 40; attempt++)
        {
            // Mostly alice's login, and now and then other names (known or not) from the same address.
            var login = attempt % 4 == 3 ? $"guess{attempt}" : "alice";
            using var response = await attacker.PostAsJsonAsync(new Uri("/api/auth/token", UriKind.Relative), new { login, password = $"wrong-{attempt}" });
            answers.Add(response.StatusCode);
            if (attempt % 4 == 0 && attempt / 4 < agentSignIns)
            {
                using var signIn = await agent.PostAsJsonAsync(new Uri("/api/auth/token", UriKind.Relative), new { login = "alice", password = "demo" });
                agentSuccesses += signIn.StatusCode == HttpStatusCode.OK ? 1 : 0;
            }
        }

        // alice's login is locked from the attacker's address after 5 failures for it; every answer after is 429.
        var aliceAnswers = answers.Where((_, i) => i % 4 != 3).ToList();
        Assert.All(aliceAnswers.Take(5), a => Assert.Equal(HttpStatusCode.Unauthorized, a));
        Assert.All(aliceAnswers.Skip(5), a => Assert.Equal(HttpStatusCode.TooManyRequests, a));
        // After 20 attempts from that address, nothing more is even tried: every login gets 429 there.
        Assert.All(answers.Skip(20), a => Assert.Equal(HttpStatusCode.TooManyRequests, a));
        output.WriteLine($"attacker (127.0.0.2): {answers.Count} attempts, {answers.Count(a => a == HttpStatusCode.Unauthorized)} checked (401), " +
            $"{answers.Count(a => a == HttpStatusCode.TooManyRequests)} refused (429); alice from 127.0.0.1: {agentSuccesses}/{agentSignIns} signed in");
        Assert.Equal(agentSignIns, agentSuccesses);
        using var after = await agent.PostAsJsonAsync(new Uri("/api/auth/token", UriKind.Relative), new { login = "alice", password = "demo" });
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Contains("Sign-in for alice locked after repeated failures (last from 127.0.0.2)", host.StandardOutput, StringComparison.Ordinal);
    }
}
