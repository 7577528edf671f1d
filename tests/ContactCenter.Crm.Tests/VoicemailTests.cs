using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ContactCenter.Contracts;
using ContactCenter.Crm.Data;
using ContactCenter.Crm.Interactions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ContactCenter.Crm.Tests;

/// <summary>A voicemail and the work item it becomes, in any order and any number of times, give the right two rows.</summary>
public abstract class VoicemailRecordingTests(CrmProvider provider) : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);
    private TestDatabase db = null!;

    public async Task InitializeAsync() => db = await TestDatabase.CreateAsync(provider, seed: true);

    public async Task DisposeAsync() => await db.DisposeAsync();

    private static List<object> VoicemailEvents(Guid callId, Guid callbackId) =>
    [
        new CallReceived { CallId = callId, Caller = "+442079460018", Did = "1000", GatewayId = "gw-1", OccurredAt = T0 },
        new CallQueued { CallId = callId, Queue = "billing", Caller = "+442079460018", GatewayId = "gw-1", IvrPath = "main>3>billing", QueuedAt = T0.AddSeconds(10), OccurredAt = T0.AddSeconds(10) },
        new VoicemailRecorded { CallId = callId, Caller = "+442079460018", Queue = "billing", Path = $"20261207-{callId:N}.wav", Duration = TimeSpan.FromSeconds(12.4), OccurredAt = T0.AddSeconds(40) },
        new CallQueued
        {
            CallId = callbackId, Queue = "billing", Caller = "+442079460018", GatewayId = "gw-1", IvrPath = "main>3>billing", IsCallback = false,
            CallbackNumber = "+442079460018", CallbackOf = callId, Attempt = 1, VoicemailPath = $"20261207-{callId:N}.wav",
            VoicemailLength = TimeSpan.FromSeconds(12.4), QueuedAt = T0.AddSeconds(10), OccurredAt = T0.AddSeconds(40),
        },
        new AgentReserved
        {
            CallId = callbackId, AgentId = "carol", Queue = "billing", Caller = "+442079460018", IvrPath = "main>3>billing", Waited = TimeSpan.FromMinutes(15),
            Reason = "work item", Offer = OfferKind.Voicemail, OfferExpiresAt = T0.AddSeconds(80), OccurredAt = T0.AddSeconds(50),
        },
        new OfferAccepted { CallId = callbackId, AgentId = "carol", Queue = "billing", Offer = OfferKind.Voicemail, OccurredAt = T0.AddSeconds(60) },
        new PlaceOutboundCall { CallId = CallBackOf(callbackId), AgentId = "carol", Number = "+442079460018", WorkItemId = callbackId, OccurredAt = T0.AddSeconds(70) },
        new CompleteWrapUp { CallId = callbackId, AgentId = "carol", Disposition = "resolved", Notes = "Called Ada back.", OccurredAt = T0.AddSeconds(200) },
        new CallEnded { CallId = callId, Queue = "billing", IvrPath = "main>3>billing", Outcome = CallOutcome.Voicemail, EndedBy = CallParty.System, Reason = "voicemail left (12.4 s, ended with #)", OccurredAt = T0.AddSeconds(45) },
    ];

    /// <summary>The call back's id, derived from the work item's so that the test can find the row.</summary>
    private static Guid CallBackOf(Guid workItem) => new(workItem.ToByteArray().Reverse().ToArray());

    private static Task Apply(InteractionRecorder recorder, object message) => message switch
    {
        CallReceived m => recorder.RecordAsync(m, CancellationToken.None),
        CallQueued m => recorder.RecordAsync(m, CancellationToken.None),
        VoicemailRecorded m => recorder.RecordAsync(m, CancellationToken.None),
        CallEnded m => recorder.RecordAsync(m, CancellationToken.None),
        AgentReserved m => recorder.RecordAsync(m, CancellationToken.None),
        OfferAccepted m => recorder.RecordAsync(m, CancellationToken.None),
        PlaceOutboundCall m => recorder.RecordAsync(m, CancellationToken.None),
        CompleteWrapUp m => recorder.RecordAsync(m, CancellationToken.None),
        _ => throw new ArgumentException("not a call event", nameof(message)),
    };

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task A_kept_voicemail_and_its_work_item_merge_the_same_in_any_order_and_when_redelivered(int seed)
    {
        var callId = Guid.NewGuid();
        var callbackId = Guid.NewGuid();
        var rnd = new Random(seed);
        var events = VoicemailEvents(callId, callbackId);
        foreach (var message in events.Concat(events.Where(_ => rnd.Next(2) == 0)).OrderBy(_ => rnd.Next()).ToList())
        {
            await db.WithAsync((_, sp) => Apply(sp.GetRequiredService<InteractionRecorder>(), message));
        }

        var call = await db.WithAsync((ctx, _) => ctx.Interactions.AsNoTracking().SingleAsync(i => i.CallId == callId));
        Assert.Equal($"20261207-{callId:N}.wav", call.VoicemailPath);
        Assert.Equal(12, call.VoicemailSeconds);
        Assert.Null(call.VoicemailNote);
        Assert.Equal(T0.AddSeconds(40), call.CallbackRequestedAt);
        Assert.Equal(CallOutcome.Voicemail, call.Outcome);
        Assert.Equal(CallDirection.Inbound, call.Direction);
        Assert.Equal("billing", call.Queue);

        // The work item: the message, who accepted it and when, what they did.
        var work = await db.WithAsync((ctx, _) => ctx.Interactions.AsNoTracking().SingleAsync(i => i.CallId == callbackId));
        Assert.Equal(CallDirection.Callback, work.Direction);
        Assert.Equal(callId, work.CallbackOf);
        Assert.Equal(0, work.CallbackAttempts);
        Assert.Equal(($"20261207-{callId:N}.wav", 12, (string?)null), (work.VoicemailPath, work.VoicemailSeconds, work.Transcript));
        Assert.Equal(("billing", "carol"), (work.Queue, work.AgentId));
        Assert.Equal(T0.AddSeconds(10), work.QueuedAt);
        Assert.Equal((T0.AddSeconds(50), T0.AddSeconds(60), T0.AddSeconds(200)), (work.ReservedAt, work.AnsweredAt, work.WrappedUpAt));
        Assert.Equal((CallOutcome.Answered, "resolved", "Called Ada back."), (work.Outcome, work.Disposition, work.Notes));
        Assert.Equal(140, work.TalkSeconds);

        // The call back: an outbound call linked to the work item.
        var back = await db.WithAsync((ctx, _) => ctx.Interactions.AsNoTracking().SingleAsync(i => i.CallId == CallBackOf(callbackId)));
        Assert.Equal((CallDirection.Outbound, callbackId, "carol"), (back.Direction, back.CallbackOf, back.AgentId));
    }

    [Fact]
    public async Task A_discarded_voicemail_keeps_its_reason_and_never_overrides_a_kept_one()
    {
        var discardedCall = Guid.NewGuid();
        var keptCall = Guid.NewGuid();
        await db.WithAsync(async (_, sp) =>
        {
            var recorder = sp.GetRequiredService<InteractionRecorder>();
            await recorder.RecordAsync(new VoicemailRecorded { CallId = discardedCall, Caller = "+447700900123", Queue = "billing", Duration = TimeSpan.FromSeconds(6), DiscardedReason = "silent: 0.0 s above -40 dBFS in 6.0 s", OccurredAt = T0 }, CancellationToken.None);
            await recorder.RecordAsync(new CallEnded { CallId = discardedCall, Queue = "billing", Outcome = CallOutcome.Overflowed, EndedBy = CallParty.System, Reason = "voicemail discarded: silent", OccurredAt = T0.AddSeconds(3) }, CancellationToken.None);
            await recorder.RecordAsync(new VoicemailRecorded { CallId = keptCall, Caller = "+447700900123", Queue = "billing", Path = "kept.wav", Duration = TimeSpan.FromSeconds(9), OccurredAt = T0 }, CancellationToken.None);
            await recorder.RecordAsync(new VoicemailRecorded { CallId = keptCall, Caller = "+447700900123", Queue = "billing", Duration = TimeSpan.FromSeconds(1), DiscardedReason = "too short", OccurredAt = T0 }, CancellationToken.None);
        });

        var discarded = await db.WithAsync((ctx, _) => ctx.Interactions.AsNoTracking().SingleAsync(i => i.CallId == discardedCall));
        Assert.Null(discarded.VoicemailPath);
        Assert.Equal("silent: 0.0 s above -40 dBFS in 6.0 s", discarded.VoicemailNote);
        Assert.Equal(6, discarded.VoicemailSeconds);
        Assert.Equal(CallOutcome.Overflowed, discarded.Outcome);
        Assert.Null(discarded.CallbackRequestedAt);

        var kept = await db.WithAsync((ctx, _) => ctx.Interactions.AsNoTracking().SingleAsync(i => i.CallId == keptCall));
        Assert.Equal("kept.wav", kept.VoicemailPath);
        Assert.Equal(9, kept.VoicemailSeconds);
        Assert.Null(kept.VoicemailNote);
    }
}

/// <summary>The voicemail through the API: the interaction, the customer-360, and the audio itself.</summary>
public abstract class VoicemailApiTests(CrmTestHost host)
{
    private const string Ada = "+442079460018";

    private async Task<(Guid CallId, byte[] Audio)> LeaveVoicemailAsync(string? storedName = null, bool writeFile = true)
    {
        var callId = Guid.NewGuid();
        var name = storedName ?? $"20261207-{callId:N}.wav";
        var audio = new byte[44 + 16000];
        "RIFF"u8.CopyTo(audio);
        Random.Shared.NextBytes(audio.AsSpan(44));
        if (writeFile)
        {
            Directory.CreateDirectory(host.VoicemailFolder);
            await File.WriteAllBytesAsync(Path.Combine(host.VoicemailFolder, Path.GetFileName(name)), audio);
        }

        await using var scope = host.Services.CreateAsyncScope();
        var recorder = scope.ServiceProvider.GetRequiredService<InteractionRecorder>();
        var now = host.Time.GetUtcNow();
        await recorder.RecordAsync(new CallQueued { CallId = callId, Queue = "billing", Caller = Ada, GatewayId = "gw", IvrPath = "main>3>billing", CustomerId = await AdaIdAsync(), QueuedAt = now, OccurredAt = now }, CancellationToken.None);
        await recorder.RecordAsync(new VoicemailRecorded { CallId = callId, Caller = Ada, Queue = "billing", Path = name, Duration = TimeSpan.FromSeconds(7), OccurredAt = now.AddSeconds(30) }, CancellationToken.None);
        await recorder.RecordAsync(new CallEnded { CallId = callId, Queue = "billing", Outcome = CallOutcome.Voicemail, EndedBy = CallParty.System, Reason = "voicemail left", OccurredAt = now.AddSeconds(31) }, CancellationToken.None);
        return (callId, audio);
    }

    private Task<Guid> AdaIdAsync() => host.WithDbAsync(db => db.CustomerPhones.Where(p => p.E164 == Ada).Select(p => p.CustomerId).SingleAsync());

    [Theory]
    [InlineData("agent")]
    [InlineData("supervisor")]
    public async Task Agents_and_supervisors_stream_the_voicemail_as_wav_with_ranges(string role)
    {
        var (callId, audio) = await LeaveVoicemailAsync();
        using var client = host.Client(role == "agent" ? "carol" : "sam", role);

        var whole = await client.GetAsync($"/api/interactions/{callId}/voicemail");
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal("audio/wav", whole.Content.Headers.ContentType?.MediaType);
        Assert.Equal("bytes", whole.Headers.AcceptRanges.Single());
        Assert.Equal(audio, await whole.Content.ReadAsByteArrayAsync());

        using var partial = new HttpRequestMessage(HttpMethod.Get, $"/api/interactions/{callId}/voicemail");
        partial.Headers.Range = new RangeHeaderValue(44, 143);
        var part = await client.SendAsync(partial);
        Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
        Assert.Equal(audio[44..144], await part.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task The_voicemail_needs_a_signed_in_agent_or_supervisor()
    {
        var (callId, _) = await LeaveVoicemailAsync();

        using var anonymous = host.Client();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/interactions/{callId}/voicemail")).StatusCode);
        using var stranger = host.Client("mallory", "customer");
        Assert.Equal(HttpStatusCode.Forbidden, (await stranger.GetAsync($"/api/interactions/{callId}/voicemail")).StatusCode);
    }

    [Fact]
    public async Task Only_the_agents_of_the_voicemails_queue_and_supervisors_may_play_it()
    {
        var (callId, _) = await LeaveVoicemailAsync();
        using var bob = host.Client("bob"); // support only
        var refused = await bob.GetAsync($"/api/interactions/{callId}/voicemail");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("billing", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var alice = host.Client("alice"); // support and billing
        Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync($"/api/interactions/{callId}/voicemail")).StatusCode);
        using var sam = host.Client("sam", "supervisor");
        Assert.Equal(HttpStatusCode.OK, (await sam.GetAsync($"/api/interactions/{callId}/voicemail")).StatusCode);
        // The record itself likewise while no agent has the call: the queue's agents and supervisors (issue 17).
        Assert.Equal(HttpStatusCode.Forbidden, (await bob.GetAsync($"/api/interactions/{callId}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync($"/api/interactions/{callId}")).StatusCode);
    }

    [Fact]
    public async Task No_voicemail_a_missing_file_or_a_stored_path_that_is_not_a_file_name_is_404()
    {
        using var client = host.Client("carol");
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/interactions/{Guid.NewGuid()}/voicemail")).StatusCode);

        var (gone, _) = await LeaveVoicemailAsync(writeFile: false);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/interactions/{gone}/voicemail")).StatusCode);

        File.WriteAllBytes(Path.Combine(Path.GetDirectoryName(host.VoicemailFolder)!, "secret.wav"), [1, 2, 3]);
        foreach (var stored in new[] { "../secret.wav", "..\\secret.wav", "/etc/passwd", "sub/secret.wav", "..", "secret.db" })
        {
            var (callId, _) = await LeaveVoicemailAsync(stored, writeFile: false);
            var response = await client.GetAsync($"/api/interactions/{callId}/voicemail");
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"'{stored}' gave {response.StatusCode}");
        }
    }

    [Fact]
    public async Task The_interaction_and_the_customer_360_show_the_voicemail()
    {
        var (callId, _) = await LeaveVoicemailAsync();
        using var client = host.Client("alice"); // she serves billing, the voicemail's queue

        var interaction = await client.GetFromJsonAsync<JsonElement>($"/api/interactions/{callId}");
        Assert.Equal($"20261207-{callId:N}.wav", interaction.GetProperty("voicemailPath").GetString());
        Assert.Equal(7, interaction.GetProperty("voicemailSeconds").GetInt32());
        Assert.Equal("voicemail", interaction.GetProperty("outcome").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/interactions/{Guid.NewGuid()}")).StatusCode);

        var ada = await client.GetFromJsonAsync<JsonElement>($"/api/customers/{await AdaIdAsync()}");
        var recent = ada.GetProperty("recentInteractions").EnumerateArray().Single(i => i.GetProperty("callId").GetGuid() == callId);
        Assert.Equal(7, recent.GetProperty("voicemailSeconds").GetInt32());
        Assert.Equal($"20261207-{callId:N}.wav", recent.GetProperty("voicemailPath").GetString());

        var history = await client.GetFromJsonAsync<JsonElement>($"/api/customers/{await AdaIdAsync()}/interactions?pageSize=100");
        Assert.Contains(history.GetProperty("items").EnumerateArray(), i => i.GetProperty("callId").GetGuid() == callId && i.GetProperty("voicemailSeconds").GetInt32() == 7);
    }
}

public sealed class VoicemailApiTestsOnSqlite(SqliteCrmTestHost host) : VoicemailApiTests(host), IClassFixture<SqliteCrmTestHost>;

public sealed class VoicemailApiTestsOnPostgreSql(PostgreSqlCrmTestHost host) : VoicemailApiTests(host), IClassFixture<PostgreSqlCrmTestHost>;

public sealed class VoicemailRecordingTestsOnSqlite() : VoicemailRecordingTests(CrmProvider.Sqlite);

public sealed class VoicemailRecordingTestsOnPostgreSql() : VoicemailRecordingTests(CrmProvider.PostgreSql);
