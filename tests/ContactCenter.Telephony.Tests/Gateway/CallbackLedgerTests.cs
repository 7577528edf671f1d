using System.Collections.Concurrent;
using System.Reflection;
using ContactCenter.Contracts;
using ContactCenter.Telephony.Gateway.Callbacks;
using MassTransit;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ContactCenter.Telephony.Tests.Gateway;

/// <summary>The gateway's durable part of callbacks: retries owed, attempts interrupted by a stop, repeats refused.</summary>
public sealed class CallbackLedgerTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);
    private readonly string folder = Directory.CreateTempSubdirectory("cc-ledger-").FullName;
    private readonly FakeTimeProvider time = new(Start);
    private readonly BlockingCollection<CallQueued> published = [];

    private string LedgerPath => Path.Combine(folder, "callbacks-gw.jsonl");

    [Fact]
    public async Task A_callback_that_did_not_reach_the_customer_is_queued_again_when_its_retry_is_due()
    {
        await using var ledger = await StartLedgerAsync();
        var origin = Guid.NewGuid();
        var first = ledger.AttemptFor(origin);
        Assert.Equal(new CallbackAttempt(origin, origin, 1), first);

        await ledger.BeginAsync(first, Template(origin));
        var next = await ledger.FinishAsync(first, Template(origin), Start.AddMinutes(5));

        Assert.NotNull(next);
        Assert.Equal(CallbackIds.Derive(origin, "retry", 2), next.CallId);
        Assert.True(ledger.IsDone(origin));
        Assert.Equal(1, ledger.PendingCount);
        time.Advance(TimeSpan.FromMinutes(4));
        time.Advance(TimeSpan.FromMinutes(1));
        var retry = Take();
        Assert.Equal((next.CallId, origin, 2, true), (retry.CallId, retry.CallbackOf, retry.Attempt, retry.IsCallback));
        Assert.Equal(Start.AddMinutes(-3), retry.QueuedAt); // the original wait is kept
        Assert.Equal(new CallbackAttempt(next.CallId, origin, 2), ledger.AttemptFor(next.CallId));
        await WaitUntilAsync(() => ledger.PendingCount == 0);
    }

    [Fact]
    public async Task The_last_attempt_owes_nothing_more()
    {
        await using var ledger = await StartLedgerAsync();
        var origin = Guid.NewGuid();
        await ledger.BeginAsync(ledger.AttemptFor(origin), Template(origin));

        Assert.Null(await ledger.FinishAsync(ledger.AttemptFor(origin), Template(origin), retryAt: null));
        Assert.Equal(0, ledger.PendingCount);
        Assert.True(ledger.IsDone(origin));
    }

    [Fact]
    public async Task A_retry_not_yet_due_survives_a_restart_and_is_queued_once_when_due()
    {
        var origin = Guid.NewGuid();
        await using (var before = await StartLedgerAsync())
        {
            await before.BeginAsync(before.AttemptFor(origin), Template(origin));
            await before.FinishAsync(before.AttemptFor(origin), Template(origin), Start.AddMinutes(10));
        }

        await using var after = await StartLedgerAsync();
        Assert.True(after.IsDone(origin)); // a redelivered ConnectCallToAgent for the first attempt is not dialled again
        Assert.Equal(1, after.PendingCount);
        time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(CallbackIds.Derive(origin, "retry", 2), Take().CallId);
        await WaitUntilAsync(() => after.PendingCount == 0);

        await using var third = await StartLedgerAsync();
        Assert.Equal(0, third.PendingCount); // handed to routing: owed no more, whatever restarts follow
        time.Advance(TimeSpan.FromHours(1));
        Assert.Empty(published);
    }

    [Fact]
    public async Task An_attempt_interrupted_by_a_stop_of_the_gateway_is_owed_again_at_the_next_start()
    {
        var origin = Guid.NewGuid();
        await using (var before = await StartLedgerAsync())
        {
            await before.BeginAsync(before.AttemptFor(origin), Template(origin));
        }

        await using var after = await StartLedgerAsync();
        var retry = Take();
        Assert.Equal((CallbackIds.Derive(origin, "retry", 2), 2), (retry.CallId, retry.Attempt));
        Assert.True(after.IsDone(origin));
    }

    [Fact]
    public async Task An_agent_not_reached_leaves_the_callback_with_routing_and_owes_nothing()
    {
        var origin = Guid.NewGuid();
        await using (var before = await StartLedgerAsync())
        {
            await before.BeginAsync(before.AttemptFor(origin), Template(origin));
            await before.AbandonAsync(before.AttemptFor(origin));
            Assert.False(before.IsDone(origin)); // routing may reserve it again for another agent
        }

        await using var after = await StartLedgerAsync();
        Assert.Equal(0, after.PendingCount);
        Assert.False(after.IsDone(origin));
        Assert.Empty(published);
    }

    [Fact]
    public async Task A_callback_routing_refuses_is_handed_over_again_after_the_retry_interval()
    {
        await using var ledger = await StartLedgerAsync();
        var id = CallbackIds.Derive(Guid.NewGuid(), "voicemail", 1);
        var message = Template(id) with { CallbackOf = Guid.NewGuid() };
        await ledger.QueueAsync(message);
        Assert.Equal(id, Take().CallId);
        await WaitUntilAsync(() => ledger.PendingCount == 0);

        Assert.True(await ledger.OnRefusedAsync(id, "QueueFull: queue at its maximum length 50", TimeSpan.FromMinutes(2)));
        Assert.False(await ledger.OnRefusedAsync(Guid.NewGuid(), "unknown call", TimeSpan.FromMinutes(2)));
        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(id, Take().CallId);
    }

    [Fact]
    public async Task A_voicemail_handed_over_as_a_work_item_is_handed_over_again_when_refused_and_forgotten_a_day_after()
    {
        var id = CallbackIds.Derive(Guid.NewGuid(), "voicemail", 1);
        var message = Template(id) with { IsCallback = false, CallbackOf = Guid.NewGuid(), VoicemailPath = "20261207-x.wav", VoicemailLength = TimeSpan.FromSeconds(7) };
        await using (var ledger = await StartLedgerAsync())
        {
            await ledger.QueueAsync(message);
            var handed = Take();
            Assert.Equal((id, false, "20261207-x.wav"), (handed.CallId, handed.IsCallback, handed.VoicemailPath));
            await WaitUntilAsync(() => ledger.PendingCount == 0);
        }

        // After a restart within the day, a refusal still hands it over again.
        time.Advance(TimeSpan.FromHours(2));
        await using (var ledger = await StartLedgerAsync())
        {
            Assert.True(await ledger.OnRefusedAsync(id, "NoAgents: no agent of the queue is logged in", TimeSpan.FromMinutes(5)));
            time.Advance(TimeSpan.FromMinutes(5));
            Assert.Equal(id, Take().CallId);
            await WaitUntilAsync(() => ledger.PendingCount == 0);
        }

        // A day after it was last handed over, routing keeps it: the ledger owes nothing more.
        time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
        await using (var ledger = await StartLedgerAsync())
        {
            Assert.False(await ledger.OnRefusedAsync(id, "late", TimeSpan.FromMinutes(5)));
            Assert.True(ledger.IsDone(id));
        }
    }

    [Fact]
    public async Task A_line_cut_short_by_a_crash_does_not_lose_the_lines_before_it()
    {
        var origin = Guid.NewGuid();
        await using (var before = await StartLedgerAsync())
        {
            await before.BeginAsync(before.AttemptFor(origin), Template(origin));
            await before.FinishAsync(before.AttemptFor(origin), Template(origin), Start.AddMinutes(1));
        }

        await File.AppendAllTextAsync(LedgerPath, "{\"op\":\"done\",\"id\":\"");
        await using var after = await StartLedgerAsync();
        Assert.Equal(1, after.PendingCount);
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(CallbackIds.Derive(origin, "retry", 2), Take().CallId);
    }

    public void Dispose()
    {
        published.Dispose();
        Directory.Delete(folder, recursive: true);
    }

    private async Task<CallbackLedger> StartLedgerAsync()
    {
        var ledger = new CallbackLedger(LedgerPath, RecordingPublisher.Create(published), time, NullLogger<CallbackLedger>.Instance);
        await ledger.StartAsync();
        return ledger;
    }

    private CallQueued Take()
    {
        Assert.True(published.TryTake(out var message, TimeSpan.FromSeconds(10)), "nothing was published");
        return message;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }

    private static CallQueued Template(Guid callId) => new()
    {
        CallId = callId,
        Queue = "support",
        Caller = "+442079460018",
        GatewayId = "gw",
        IvrPath = "main>2>support",
        IsCallback = true,
        CallbackNumber = "+442079460018",
        Attempt = 1,
        QueuedAt = Start.AddMinutes(-3),
        OccurredAt = Start,
    };

    /// <summary>An <see cref="IPublishEndpoint"/> that records every <see cref="CallQueued"/> published.</summary>
    internal class RecordingPublisher : DispatchProxy
    {
        private BlockingCollection<CallQueued>? sink;

        public static IPublishEndpoint Create(BlockingCollection<CallQueued> sink)
        {
            var proxy = DispatchProxy.Create<IPublishEndpoint, RecordingPublisher>();
            ((RecordingPublisher)(object)proxy).sink = sink;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod?.Name == nameof(IPublishEndpoint.Publish) && args is [CallQueued message, ..])
            {
                sink!.Add(message);
                return Task.CompletedTask;
            }

            throw new NotSupportedException(targetMethod?.Name);
        }
    }
}
