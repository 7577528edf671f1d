using ContactCenter.Contracts;
using MassTransit;
using MassTransit.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ContactCenter.Crm.Tests;

/// <summary>The CRM's consumers through MassTransit's test harness, on a real seeded SQLite file.</summary>
public abstract class ConsumerTests(CrmTestHost host)
{
    [Fact]
    public async Task Known_caller_is_identified_with_tier_and_preferred_agent_and_the_pop_carries_the_360()
    {
        var callId = Guid.NewGuid();
        var now = host.Time.GetUtcNow();
        await host.Harness.Bus.Publish(new CallReceived { CallId = callId, Caller = "02079460018", Did = "+442079460999", GatewayId = "gw-1", OccurredAt = now });

        var identified = await host.Harness.PublishedAsync<CallerIdentified>(m => m.CallId == callId);
        Assert.Equal("Ada Lovelace", identified.CustomerName);
        Assert.Equal(CustomerTier.Gold, identified.Tier);
        Assert.Equal("alice", identified.PreferredAgentId);
        Assert.Equal("en", identified.Language);

        await host.Harness.Bus.Publish(new AgentReserved
        {
            CallId = callId, AgentId = "alice", Queue = "billing", Caller = "+442079460018", IvrPath = "main>2>billing",
            Waited = TimeSpan.FromSeconds(12), Reason = "preferred agent", OccurredAt = now.AddSeconds(20),
        });
        var pop = await host.Harness.PublishedAsync<ScreenPopReady>(m => m.CallId == callId);
        Assert.Equal("alice", pop.AgentId);
        Assert.Equal("+442079460018", pop.Caller);
        Assert.Equal("Ada Lovelace", pop.Customer?.Name);
        Assert.Equal("main>2>billing", pop.IvrPath);
        Assert.Contains(pop.OpenCases, c => c.Priority == "high" && c.OwnerAgentId == "alice" && c.Status == "open");
        Assert.NotEmpty(pop.RecentInteractions);
        Assert.DoesNotContain(pop.RecentInteractions, i => i.CallId == callId);
        Assert.True(pop.TotalInteractions >= pop.RecentInteractions.Count);
    }

    [Fact]
    public async Task Unknown_caller_gets_a_new_caller_pop()
    {
        var callId = Guid.NewGuid();
        var now = host.Time.GetUtcNow();
        await host.Harness.Bus.Publish(new CallReceived { CallId = callId, Caller = "+33 1 99 00 12 34", Did = "+442079460999", GatewayId = "gw-1", OccurredAt = now });
        var identified = await host.Harness.PublishedAsync<CallerIdentified>(m => m.CallId == callId);
        Assert.Null(identified.CustomerId);
        Assert.Equal(CustomerTier.Standard, identified.Tier);

        await host.Harness.Bus.Publish(new AgentReserved
        {
            CallId = callId, AgentId = "bob", Queue = "support", Caller = "+33199001234", IvrPath = "main>1",
            Waited = TimeSpan.FromSeconds(3), Reason = "longest idle", OccurredAt = now.AddSeconds(5),
        });
        var pop = await host.Harness.PublishedAsync<ScreenPopReady>(m => m.CallId == callId);
        Assert.Null(pop.Customer);
        Assert.Equal("+33199001234", pop.Caller);
        Assert.Empty(pop.OpenCases);
    }

    [Fact]
    public async Task Pop_without_a_warm_cache_reads_the_360_itself()
    {
        var callId = Guid.NewGuid();
        await host.Harness.Bus.Publish(new AgentReserved
        {
            CallId = callId, AgentId = "carol", Queue = "billing", Caller = "+44 161 496 0000", IvrPath = "main>2",
            Waited = TimeSpan.FromSeconds(1), Reason = "skills", OccurredAt = host.Time.GetUtcNow(),
        });
        var pop = await host.Harness.PublishedAsync<ScreenPopReady>(m => m.CallId == callId);
        Assert.Equal("Alan Turing", pop.Customer?.Name);
        Assert.Empty(pop.OpenCases);
    }

    [Fact]
    public async Task Call_events_on_the_bus_become_one_interaction()
    {
        var callId = Guid.NewGuid();
        var t0 = host.Time.GetUtcNow();
        var bus = host.Harness.Bus;
        await bus.Publish(new CallEnded { CallId = callId, AgentId = "bob", Queue = "support", IvrPath = "main>1>support", Outcome = CallOutcome.Answered, EndedBy = CallParty.Caller, Reason = "BYE", OccurredAt = t0.AddSeconds(200) });
        await bus.Publish(new CallReceived { CallId = callId, Caller = "+441614960000", Did = "+442079460999", GatewayId = "gw-1", OccurredAt = t0 });
        await bus.Publish(new CallConnected { CallId = callId, AgentId = "bob", Queue = "support", OccurredAt = t0.AddSeconds(50) });
        await bus.Publish(new CompleteWrapUp { CallId = callId, AgentId = "bob", Disposition = "resolved", Notes = "Explained the bill", OccurredAt = t0.AddSeconds(230) });

        var row = await WaitForAsync(callId, i => i.WrappedUpAt != null && i.EndedAt != null && i.ReceivedAt != null && i.AnsweredAt != null);
        Assert.Equal("bob", row.AgentId);
        Assert.Equal(150, row.TalkSeconds);
        Assert.Equal(30, row.WrapUpSeconds);
        Assert.Equal("resolved", row.Disposition);
        Assert.NotNull(row.CustomerId);
    }

    [Fact]
    public async Task Routing_gets_every_agent_profile_and_the_registrar_gets_a_digest_verdict_never_the_ha1()
    {
        await using var scope = host.Services.CreateAsyncScope();
        var profiles = await scope.ServiceProvider.GetRequiredService<IRequestClient<GetAgentProfiles>>()
            .GetResponse<AgentProfiles>(new GetAgentProfiles { OccurredAt = host.Time.GetUtcNow() });
        var alice = profiles.Message.Profiles.Single(p => p.AgentId == "alice");
        Assert.Equal(PersonRole.Agent, alice.Role);
        Assert.Equal([new SkillLevel { Skill = "billing", Level = 2 }, new SkillLevel { Skill = "lang-en", Level = 5 }, new SkillLevel { Skill = "lang-fr", Level = 3 }, new SkillLevel { Skill = "support", Level = 5 }], alice.Skills);
        Assert.Equal(["billing", "support"], alice.Queues);
        Assert.Equal(PersonRole.Supervisor, profiles.Message.Profiles.Single(p => p.AgentId == "sam").Role);

        // The registrar sends the phone's digest answer and gets a verdict; the HA1 never leaves the CRM.
        var sip = scope.ServiceProvider.GetRequiredService<IRequestClient<VerifySipDigest>>();
        async Task<SipDigestVerdict> CheckAsync(string login, string realm, string algorithm, string password, string? qop = "auth")
        {
            static string Hex(string algorithm, string text) => algorithm == "MD5"
#pragma warning disable CA5351 // the digest is MD5 by definition (RFC 2617)
                ? Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(System.Text.Encoding.UTF8.GetBytes(text)))
#pragma warning restore CA5351
                : Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
            var ha1 = Hex(algorithm, $"{login}:{realm}:{password}");
            var ha2 = Hex(algorithm, "REGISTER:sip:cc.example");
            var response = qop is null ? Hex(algorithm, $"{ha1}:n0nce:{ha2}") : Hex(algorithm, $"{ha1}:n0nce:00000001:c0ffee:auth:{ha2}");
            var r = await sip.GetResponse<SipDigestVerdict>(new VerifySipDigest
            {
                Login = login, Realm = realm, Algorithm = algorithm, Nonce = "n0nce", Method = "REGISTER", Uri = "sip:cc.example",
                Qop = qop, NonceCount = qop is null ? null : "00000001", ClientNonce = qop is null ? null : "c0ffee", Response = response,
                OccurredAt = host.Time.GetUtcNow(),
            });
            return r.Message;
        }

        Assert.Equal((true, true), ((await CheckAsync("alice", "contactcenter", "MD5", "demo")).Found, (await CheckAsync("alice", "contactcenter", "MD5", "demo")).Valid));
        var sha = await CheckAsync("alice", "contactcenter", "SHA-256", "demo");
        Assert.True(sha.Found && sha.Valid);
        var noQop = await CheckAsync("alice", "contactcenter", "SHA-256", "demo", qop: null);
        Assert.True(noQop.Found && noQop.Valid);
        var wrong = await CheckAsync("alice", "contactcenter", "SHA-256", "guess");
        Assert.True(wrong.Found && !wrong.Valid);
        var missing = await CheckAsync("mallory", "contactcenter", "MD5", "demo");
        Assert.False(missing.Found || missing.Valid);
        var otherRealm = await CheckAsync("alice", "elsewhere", "MD5", "demo");
        Assert.False(otherRealm.Found || otherRealm.Valid);
        var unknownAlgorithm = await CheckAsync("alice", "contactcenter", "SHA-512-256", "demo");
        Assert.False(unknownAlgorithm.Valid);
        // The verdict carries no secret: only the login, two booleans and a time.
        Assert.Equal(["Found", "Login", "OccurredAt", "Valid"], typeof(SipDigestVerdict).GetProperties().Select(p => p.Name).Order());
    }

    [Fact]
    public async Task A_voicemail_on_the_bus_reaches_the_interaction_and_the_next_pop_shows_it()
    {
        var callId = Guid.NewGuid();
        var now = host.Time.GetUtcNow();
        var bus = host.Harness.Bus;
        await bus.Publish(new CallReceived { CallId = callId, Caller = "+442079460100", Did = "1000", GatewayId = "gw-1", OccurredAt = now });
        var identified = await host.Harness.PublishedAsync<CallerIdentified>(m => m.CallId == callId);
        Assert.NotNull(identified.CustomerId);
        await bus.Publish(new CallQueued { CallId = callId, Queue = "billing", Caller = "+442079460100", GatewayId = "gw-1", IvrPath = "main>3>billing", CustomerId = identified.CustomerId, QueuedAt = now, OccurredAt = now });
        await bus.Publish(new VoicemailRecorded { CallId = callId, Caller = "+442079460100", Queue = "billing", Path = $"20261207-{callId:N}.wav", Duration = TimeSpan.FromSeconds(15), OccurredAt = now.AddSeconds(30) });

        var row = await WaitForAsync(callId, i => i.VoicemailPath != null && i.CustomerId != null);
        Assert.Equal(15, row.VoicemailSeconds);

        var callbackId = Guid.NewGuid();
        await bus.Publish(new AgentReserved
        {
            CallId = callbackId, AgentId = "carol", Queue = "billing", Caller = "+442079460100", IvrPath = "main>3>billing",
            Waited = TimeSpan.FromMinutes(3), Reason = "skills", OccurredAt = now.AddMinutes(3),
        });
        var pop = await host.Harness.PublishedAsync<ScreenPopReady>(m => m.CallId == callbackId);
        var voicemail = Assert.Single(pop.RecentInteractions, i => i.CallId == callId);
        Assert.True(voicemail.HasVoicemail);
        Assert.Equal(15, voicemail.VoicemailSeconds);
        Assert.DoesNotContain(pop.RecentInteractions, i => i.CallId != callId && i.HasVoicemail);
    }

    private async Task<Data.Interaction> WaitForAsync(Guid callId, Func<Data.Interaction, bool> done)
    {
        var until = TimeProvider.System.GetUtcNow().AddSeconds(20);
        while (true)
        {
            var row = await host.WithDbAsync(db => db.Interactions.AsNoTracking().FirstOrDefaultAsync(i => i.CallId == callId));
            if (row is not null && done(row))
            {
                return row;
            }
            Assert.True(TimeProvider.System.GetUtcNow() < until, $"interaction {callId} not complete in time");
            await Task.Delay(50);
        }
    }
}

public sealed class ConsumerTestsOnSqlite(SqliteCrmTestHost host) : ConsumerTests(host), IClassFixture<SqliteCrmTestHost>;

public sealed class ConsumerTestsOnPostgreSql(PostgreSqlCrmTestHost host) : ConsumerTests(host), IClassFixture<PostgreSqlCrmTestHost>;
