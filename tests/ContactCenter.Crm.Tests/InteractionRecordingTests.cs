using ContactCenter.Contracts;
using ContactCenter.Crm.Data;
using ContactCenter.Crm.Interactions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ContactCenter.Crm.Tests;

/// <summary>A call's events, in any order and any number of times, give one correct interaction.</summary>
public abstract class InteractionRecordingTests(CrmProvider provider) : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 20, 14, 0, 0, TimeSpan.Zero);
    private TestDatabase db = null!;

    public async Task InitializeAsync() => db = await TestDatabase.CreateAsync(provider, seed: true);

    public async Task DisposeAsync() => await db.DisposeAsync();

    /// <summary>A whole call: received, queued, reserved to bob (no answer), reserved to alice, answered, ended, wrapped up.</summary>
    private static List<object> CallEvents(Guid callId) =>
    [
        new CallReceived { CallId = callId, Caller = "020 7946 0018", Did = "+442079460999", GatewayId = "gw-1", OccurredAt = T0 },
        new CallQueued { CallId = callId, Queue = "support", Caller = "+442079460018", GatewayId = "gw-1", IvrPath = "main>1", QueuedAt = T0.AddSeconds(20), OccurredAt = T0.AddSeconds(20) },
        new CallQueued { CallId = callId, Queue = "billing", Caller = "+442079460018", GatewayId = "gw-1", IvrPath = "main>1>billing", QueuedAt = T0.AddSeconds(20), OccurredAt = T0.AddSeconds(40) },
        new AgentReserved { CallId = callId, AgentId = "bob", Queue = "billing", Caller = "+442079460018", IvrPath = "main>1>billing", Waited = TimeSpan.FromSeconds(25), Reason = "idle", OccurredAt = T0.AddSeconds(45) },
        new AgentReserved { CallId = callId, AgentId = "alice", Queue = "billing", Caller = "+442079460018", IvrPath = "main>1>billing", Waited = TimeSpan.FromSeconds(60), Reason = "skills", OccurredAt = T0.AddSeconds(80) },
        new CallConnected { CallId = callId, AgentId = "alice", Queue = "billing", OccurredAt = T0.AddSeconds(90) },
        new CallEnded { CallId = callId, AgentId = "alice", Queue = "billing", IvrPath = "main>1>billing", Outcome = CallOutcome.Answered, EndedBy = CallParty.Agent, Reason = "BYE", RecordingPath = "rec/x.wav", OccurredAt = T0.AddSeconds(390) },
        new CompleteWrapUp { CallId = callId, AgentId = "alice", Disposition = "resolved", Notes = "Refund agreed", OccurredAt = T0.AddSeconds(420) },
    ];

    private static void AssertCorrect(Interaction i, Guid adaId)
    {
        Assert.Equal("020 7946 0018", i.Caller);
        Assert.Equal(adaId, i.CustomerId);
        Assert.Equal("+442079460999", i.Did);
        Assert.Equal(T0, i.StartedAt);
        Assert.Equal(T0, i.ReceivedAt);
        Assert.Equal(T0.AddSeconds(20), i.QueuedAt);
        Assert.Equal(T0.AddSeconds(90), i.AnsweredAt);
        Assert.Equal(T0.AddSeconds(390), i.EndedAt);
        Assert.Equal("billing", i.Queue);
        Assert.Equal("alice", i.AgentId);
        Assert.Equal("main>1>billing", i.IvrPath);
        Assert.Equal(CallOutcome.Answered, i.Outcome);
        Assert.Equal(CallParty.Agent, i.EndedBy);
        Assert.Equal(70, i.WaitSeconds);
        Assert.Equal(300, i.TalkSeconds);
        Assert.Equal(30, i.WrapUpSeconds);
        Assert.Equal("resolved", i.Disposition);
        Assert.Equal("Refund agreed", i.Notes);
        Assert.Equal("rec/x.wav", i.RecordingPath);
    }

    private static Task Apply(InteractionRecorder recorder, object message) => message switch
    {
        CallReceived m => recorder.RecordAsync(m, CancellationToken.None),
        CallQueued m => recorder.RecordAsync(m, CancellationToken.None),
        AgentReserved m => recorder.RecordAsync(m, CancellationToken.None),
        CallConnected m => recorder.RecordAsync(m, CancellationToken.None),
        CallEnded m => recorder.RecordAsync(m, CancellationToken.None),
        CompleteWrapUp m => recorder.RecordAsync(m, CancellationToken.None),
        _ => throw new ArgumentException("not a call event", nameof(message)),
    };

    private Task<Guid> AdaAsync() => db.WithAsync((ctx, _) =>
        ctx.CustomerPhones.Where(p => p.E164 == "+442079460018").Select(p => p.CustomerId).SingleAsync());

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public async Task Shuffled_and_duplicated_events_give_one_correct_interaction(int seed)
    {
        var callId = Guid.NewGuid();
        var rnd = new Random(seed);
        var events = CallEvents(callId);
        var deliveries = events.Concat(events.Where(_ => rnd.Next(2) == 0)).OrderBy(_ => rnd.Next()).ToList();
        foreach (var message in deliveries)
        {
            await db.WithAsync((_, sp) => Apply(sp.GetRequiredService<InteractionRecorder>(), message));
        }
        var adaId = await AdaAsync();
        var rows = await db.WithAsync((ctx, _) => ctx.Interactions.AsNoTracking().Where(i => i.CallId == callId).ToListAsync());
        AssertCorrect(Assert.Single(rows), adaId);
    }

    [Fact]
    public async Task Another_agents_wrap_up_never_overwrites_the_disposition_and_notes_of_a_wrapped_up_call()
    {
        var callId = Guid.NewGuid();
        foreach (var message in CallEvents(callId))
        {
            await db.WithAsync((_, sp) => Apply(sp.GetRequiredService<InteractionRecorder>(), message));
        }
        var intruder = new CompleteWrapUp { CallId = callId, AgentId = "bob", Disposition = "spam", Notes = "overwritten", OccurredAt = T0.AddSeconds(500) };
        await db.WithAsync((_, sp) => Apply(sp.GetRequiredService<InteractionRecorder>(), intruder));
        // Her own later correction still applies.
        var own = new CompleteWrapUp { CallId = callId, AgentId = "alice", Disposition = "resolved", Notes = "Refund agreed, sent", OccurredAt = T0.AddSeconds(510) };
        await db.WithAsync((_, sp) => Apply(sp.GetRequiredService<InteractionRecorder>(), own));
        var row = await db.WithAsync((ctx, _) => ctx.Interactions.AsNoTracking().SingleAsync(i => i.CallId == callId));
        Assert.Equal("alice", row.AgentId);
        Assert.Equal("resolved", row.Disposition);
        Assert.Equal("Refund agreed, sent", row.Notes);
    }

    [Fact]
    public async Task Concurrent_deliveries_of_one_call_insert_one_row_and_lose_nothing()
    {
        var callId = Guid.NewGuid();
        var events = CallEvents(callId);
        var deliveries = events.Concat(events).ToList();
        await Task.WhenAll(deliveries.Select(message => Task.Run(() =>
            db.WithAsync((_, sp) => Apply(sp.GetRequiredService<InteractionRecorder>(), message)))));
        var adaId = await AdaAsync();
        var rows = await db.WithAsync((ctx, _) => ctx.Interactions.AsNoTracking().Where(i => i.CallId == callId).ToListAsync());
        AssertCorrect(Assert.Single(rows), adaId);
    }

    [Fact]
    public async Task Two_processes_recording_one_call_at_once_give_one_correct_row()
    {
        await using var other = db.AnotherProcess();
        var calls = Enumerable.Range(0, 20).Select(_ => Guid.NewGuid()).ToList();
        var deliveries = new List<Task>();
        foreach (var callId in calls)
        {
            var events = CallEvents(callId);
            for (var i = 0; i < events.Count; i++)
            {
                var message = events[i];
                // Alternate events between the two processes so that both insert and update the same rows concurrently.
                var services = i % 2 == 0 ? db.Services : other;
                deliveries.Add(Task.Run(async () =>
                {
                    await using var scope = services.CreateAsyncScope();
                    await Apply(scope.ServiceProvider.GetRequiredService<InteractionRecorder>(), message);
                }));
            }
        }
        await Task.WhenAll(deliveries);
        var adaId = await AdaAsync();
        foreach (var callId in calls)
        {
            var rows = await db.WithAsync((ctx, _) => ctx.Interactions.AsNoTracking().Where(i => i.CallId == callId).ToListAsync());
            AssertCorrect(Assert.Single(rows), adaId);
        }
    }

    [Fact]
    public async Task Abandoned_call_has_wait_and_no_agent()
    {
        var callId = Guid.NewGuid();
        await db.WithAsync(async (_, sp) =>
        {
            var recorder = sp.GetRequiredService<InteractionRecorder>();
            await recorder.RecordAsync(new CallEnded { CallId = callId, Queue = "support", Outcome = CallOutcome.Abandoned, EndedBy = CallParty.Caller, Reason = "CANCEL", OccurredAt = T0.AddSeconds(95) }, CancellationToken.None);
            await recorder.RecordAsync(new CallQueued { CallId = callId, Queue = "support", Caller = "+447700900999", GatewayId = "gw-1", IvrPath = "main>1", QueuedAt = T0.AddSeconds(5), OccurredAt = T0.AddSeconds(5) }, CancellationToken.None);
        });
        var row = await db.WithAsync((ctx, _) => ctx.Interactions.AsNoTracking().SingleAsync(i => i.CallId == callId));
        Assert.Equal(CallOutcome.Abandoned, row.Outcome);
        Assert.Null(row.AgentId);
        Assert.Null(row.CustomerId);
        Assert.Equal(90, row.WaitSeconds);
        Assert.Null(row.TalkSeconds);
        Assert.Equal(T0.AddSeconds(5), row.StartedAt);
    }
}

public sealed class InteractionRecordingTestsOnSqlite() : InteractionRecordingTests(CrmProvider.Sqlite);

public sealed class InteractionRecordingTestsOnPostgreSql() : InteractionRecordingTests(CrmProvider.PostgreSql);
