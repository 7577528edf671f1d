using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ContactCenter.Crm.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ContactCenter.Crm.Tests;

/// <summary>
/// Issue 17, web side, in the CRM: lockout after repeated failures (the same for unknown logins), the browser's session cookie,
/// the security stamp in tokens and when it changes, the minimum password length, a rehash of old hashes, and an agent's access
/// to another agent's call record. Each class has its own host, so the per-address sign-in limit of one does not touch another.
/// </summary>
public sealed class SignInLockoutTests(SqliteCrmTestHost host) : IClassFixture<SqliteCrmTestHost>
{
    [Fact]
    public async Task Five_wrong_passwords_lock_the_login_then_even_the_right_one_gets_429_until_the_lockout_ends()
    {
        using var client = host.Client();
        for (var i = 0; i < 5; i++)
        {
            var wrong = await client.PostAsJsonAsync("/api/auth/token", new { login = "carol", password = "guess-" + i });
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        var locked = await client.PostAsJsonAsync("/api/auth/token", new { login = "carol", password = "demo" });
        Assert.Equal(HttpStatusCode.TooManyRequests, locked.StatusCode);
        Assert.True(locked.Headers.RetryAfter?.Delta > TimeSpan.Zero, "a lockout says when to try again");
        var lockedTitle = (await locked.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString();

        // An unknown login is locked the same way, with the same answer: a lockout tells nothing about who exists.
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/api/auth/token", new { login = "nobody", password = "guess-" + i })).StatusCode);
        }
        var unknown = await client.PostAsJsonAsync("/api/auth/token", new { login = "nobody", password = "demo" });
        Assert.Equal(HttpStatusCode.TooManyRequests, unknown.StatusCode);
        Assert.Equal(lockedTitle, (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());

        // Another login from the same address is not locked.
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/auth/token", new { login = "bob", password = "demo" })).StatusCode);

        // After Auth:LockoutDuration (15 minutes) carol signs in again.
        host.Time.Advance(TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/auth/token", new { login = "carol", password = "demo" })).StatusCode);
    }
}

public sealed class SignInSessionTests(SqliteCrmTestHost host) : IClassFixture<SqliteCrmTestHost>
{
    [Fact]
    public async Task Browser_sign_in_sets_an_HttpOnly_SameSite_cookie_and_answers_who_without_the_token()
    {
        using var client = host.Client();
        var response = await client.PostAsJsonAsync("/api/auth/session", new { login = "alice", password = "demo" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith("cc_token=", cookie, StringComparison.Ordinal);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secure", cookie, StringComparison.OrdinalIgnoreCase); // plain HTTP here; Secure when the request is HTTPS
        var body = await response.Content.ReadAsStringAsync();
        var token = cookie["cc_token=".Length..cookie.IndexOf(';', StringComparison.Ordinal)];
        Assert.DoesNotContain(token, body, StringComparison.Ordinal);
        var view = JsonDocument.Parse(body).RootElement;
        Assert.Equal("alice", view.GetProperty("login").GetString());
        Assert.Equal("agent", view.GetProperty("roles")[0].GetString());

        using var signedIn = host.Client();
        // The cookie's value is the bearer token (the host's JWT handler reads it from the cookie; this test host from the header).
        signedIn.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var who = await signedIn.GetFromJsonAsync<JsonElement>("/api/auth/session");
        Assert.Equal("alice", who.GetProperty("login").GetString());

        var signOut = await signedIn.DeleteAsync("/api/auth/session");
        Assert.Equal(HttpStatusCode.NoContent, signOut.StatusCode);
        Assert.Contains("cc_token=;", Assert.Single(signOut.Headers.GetValues("Set-Cookie")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_token_carries_the_stamp_which_changes_on_deactivation_role_change_and_new_password_only()
    {
        using var sam = host.Client("sam", "supervisor");
        var created = await sam.PutAsJsonAsync("/api/agents/erin",
            new { displayName = "Erin Agent", role = "agent", password = "erin-password-1", sipPassword = "sip-secret" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var anonymous = host.Client();
        var tokenResponse = await anonymous.PostAsJsonAsync("/api/auth/token", new { login = "erin", password = "erin-password-1" });
        var token = (await tokenResponse.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        var stamp = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(token).GetClaim("stamp").Value;
        Assert.Equal(await StampAsync("erin"), stamp);

        // A new skill or queue is no reason to sign her out.
        Assert.Equal(HttpStatusCode.OK, (await sam.PutAsJsonAsync("/api/agents/erin", new { skills = new[] { new { skill = "support", level = 3 } }, queues = new[] { "support" } })).StatusCode);
        Assert.Equal(stamp, await StampAsync("erin"));

        var seen = new HashSet<string> { stamp };
        foreach (object change in new object[] { new { role = "supervisor" }, new { active = false }, new { active = true }, new { password = "erin-password-2" } })
        {
            Assert.Equal(HttpStatusCode.OK, (await sam.PutAsJsonAsync("/api/agents/erin", change)).StatusCode);
            Assert.True(seen.Add(await StampAsync("erin")), $"the stamp changes on {JsonSerializer.Serialize(change)}");
        }
    }

    [Fact]
    public async Task A_password_shorter_than_Auth_MinimumPasswordLength_is_refused_naming_the_length()
    {
        using var sam = host.Client("sam", "supervisor");
        var minimum = host.Services.GetRequiredService<IOptions<CrmAuthOptions>>().Value.MinimumPasswordLength;
        Assert.Equal(12, minimum);
        var refused = await sam.PutAsJsonAsync("/api/agents/bob", new { password = new string('x', minimum - 1) });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var error = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("password")[0].GetString();
        Assert.Contains("at least 12", error, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await sam.PutAsJsonAsync("/api/agents/bob", new { password = new string('x', minimum) })).StatusCode);
    }

    [Fact]
    public async Task A_hash_with_old_parameters_is_rehashed_on_sign_in_and_the_stamp_stays()
    {
        // A hash as an older release stored it: PBKDF2 with 10,000 iterations.
        var old = new PasswordHasher<object>(Options.Create(new PasswordHasherOptions { IterationCount = 10_000 })).HashPassword(new object(), "carol-old-password");
        var stampBefore = await host.WithDbAsync(async db =>
        {
            var carol = await db.People.SingleAsync(p => p.Login == "carol");
            carol.PasswordHash = old;
            await db.SaveChangesAsync();
            return carol.SecurityStamp;
        });
        Assert.Equal(People.Credentials.Verdict.SucceededRehashNeeded,
            People.Credentials.Verify(new Person { Login = "carol", DisplayName = "c", PasswordHash = old, SipRealm = "", SipHa1Md5 = "", SipHa1Sha256 = "" }, "carol-old-password"));

        using var anonymous = host.Client();
        Assert.Equal(HttpStatusCode.OK, (await anonymous.PostAsJsonAsync("/api/auth/token", new { login = "carol", password = "carol-old-password" })).StatusCode);

        var after = await host.WithDbAsync(db => db.People.AsNoTracking().SingleAsync(p => p.Login == "carol"));
        Assert.NotEqual(old, after.PasswordHash);
        Assert.Equal(People.Credentials.Verdict.Succeeded, People.Credentials.Verify(after, "carol-old-password"));
        Assert.Equal(stampBefore, after.SecurityStamp);
    }

    [Fact]
    public async Task A_person_from_before_security_stamps_gets_one_at_the_first_sign_in_and_it_is_in_the_token()
    {
        await host.WithDbAsync(async db =>
        {
            var alice = await db.People.SingleAsync(p => p.Login == "alice");
            alice.SecurityStamp = ""; // as the migration leaves existing rows
            return await db.SaveChangesAsync();
        });
        using var anonymous = host.Client();
        var response = await anonymous.PostAsJsonAsync("/api/auth/token", new { login = "alice", password = "demo" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        var stamp = await StampAsync("alice");
        Assert.False(string.IsNullOrEmpty(stamp));
        Assert.Equal(stamp, new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(token).GetClaim("stamp").Value);
    }

    [Fact]
    public async Task An_agent_reads_their_own_calls_record_not_another_agents_and_a_supervisor_reads_both()
    {
        var bobsCall = Guid.NewGuid();
        await host.WithDbAsync(async db =>
        {
            db.Interactions.Add(new Interaction
            {
                CallId = bobsCall, StartedAt = host.Time.GetUtcNow(), Queue = "support", AgentId = "bob", Disposition = "resolved", Notes = "private",
            });
            return await db.SaveChangesAsync();
        });
        using var alice = host.Client("alice");
        var refused = await alice.GetAsync($"/api/interactions/{bobsCall}");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.DoesNotContain("private", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var bob = host.Client("bob");
        Assert.Equal(HttpStatusCode.OK, (await bob.GetAsync($"/api/interactions/{bobsCall}")).StatusCode);
        using var sam = host.Client("sam", "supervisor");
        Assert.Equal(HttpStatusCode.OK, (await sam.GetAsync($"/api/interactions/{bobsCall}")).StatusCode);
    }

    [Fact]
    public async Task The_directory_names_the_queues_a_supervisor_supervises_and_the_token_carries_them()
    {
        using var sam = host.Client("sam", "supervisor");
        using var anonymous = host.Client();
        async Task<string[]> SupervisesAsync(string login, string password)
        {
            var response = await anonymous.PostAsJsonAsync("/api/auth/token", new { login, password });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
            return [.. new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(token).Claims.Where(c => c.Type == "supervises").Select(c => c.Value)];
        }

        var created = await sam.PutAsJsonAsync("/api/agents/fran",
            new { displayName = "Fran Supervisor", role = "supervisor", password = "fran-password-1", sipPassword = "sip-secret" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Empty((await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("supervisedQueues").EnumerateArray());
        Assert.Empty(await SupervisesAsync("fran", "fran-password-1")); // none named: every queue, as sam in the demo data

        // Naming queues limits her; her old tokens go (they would let her monitor every queue).
        var stamp = await StampAsync("fran");
        var limited = await sam.PutAsJsonAsync("/api/agents/fran", new { supervisedQueues = new[] { "Billing", "support" } });
        Assert.Equal(HttpStatusCode.OK, limited.StatusCode);
        Assert.Equal(["billing", "support"], (await limited.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("supervisedQueues").EnumerateArray().Select(q => q.GetString()));
        Assert.NotEqual(stamp, await StampAsync("fran"));
        Assert.Equal(["billing", "support"], await SupervisesAsync("fran", "fran-password-1"));
        var listed = await sam.GetFromJsonAsync<JsonElement>("/api/agents");
        Assert.Equal(2, listed.EnumerateArray().Single(a => a.GetProperty("login").GetString() == "fran").GetProperty("supervisedQueues").GetArrayLength());

        // An agent supervises nothing: refused with the field named, nothing stored.
        var refused = await sam.PutAsJsonAsync("/api/agents/alice", new { supervisedQueues = new[] { "support" } });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("only a supervisor supervises queues",
            (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("supervisedQueues")[0].GetString(), StringComparison.Ordinal);
        Assert.Empty(await SupervisesAsync("alice", "demo"));
        var bad = await sam.PutAsJsonAsync("/api/agents/fran", new { supervisedQueues = new[] { " " } });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);

        // Back to every queue.
        Assert.Equal(HttpStatusCode.OK, (await sam.PutAsJsonAsync("/api/agents/fran", new { supervisedQueues = Array.Empty<string>() })).StatusCode);
        Assert.Empty(await SupervisesAsync("fran", "fran-password-1"));
    }

    private Task<string> StampAsync(string login) =>
        host.WithDbAsync(db => db.People.AsNoTracking().Where(p => p.Login == login).Select(p => p.SecurityStamp).SingleAsync());
}
