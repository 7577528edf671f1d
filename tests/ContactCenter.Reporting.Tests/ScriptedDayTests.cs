using ContactCenter.Reporting.Api;
using static ContactCenter.Reporting.Tests.ScriptedDay;

namespace ContactCenter.Reporting.Tests;

/// <summary>
/// The scripted morning (<see cref="ScriptedDay"/>) recorded straight into the store, in a shuffled order, in batches, with
/// redeliveries: the report's figures are the ones worked out by hand, the drill-downs list exactly the calls behind them, and a
/// rebuild from the record alone gives the same tables byte for byte. On SQLite and on the test run's PostgreSQL server.
/// </summary>
public sealed class ScriptedDayTests
{
    private static readonly Bound Nine = new(T(9, 0), null);
    private static readonly Bound Ten = new(T(10, 0), null);

    [Theory]
    [InlineData(ReportsProvider.Sqlite)]
    [InlineData(ReportsProvider.PostgreSql)]
    public async Task The_queue_report_has_the_hand_computed_figures(ReportsProvider provider)
    {
        await using var db = await RecordedAsync(provider);
        var report = await db.Reader.QueuesAsync(Nine, Ten, ReportInterval.Hour, null, CancellationToken.None);

        var support = Assert.Single(report.Rows, r => r.Queue == "support");
        Assert.Equal(T(9, 0), support.Start);
        Assert.Equal(T(10, 0), support.End);
        Assert.Equal(5, support.Offered);
        Assert.Equal(2, support.Answered);
        Assert.Equal(1, support.AnsweredWithinTarget);
        Assert.Equal(1, support.Abandoned);
        Assert.Equal(1, support.ShortAbandoned);
        Assert.Equal(1, support.Diverted);
        Assert.Equal(1, support.Overflowed);
        // left-queue: met A / (answered A, D + abandoned B + diverted E).
        Assert.Equal((1, 4), (support.ServiceLevelMet, support.ServiceLevelCounted));
        Assert.Equal(0.25, support.ServiceLevel);
        Assert.Equal(0.8, support.ServiceLevelTarget);
        Assert.Equal(30, support.Asa);                  // (10 + 50) / 2
        Assert.Equal(2, support.Handled);
        Assert.Equal(290, support.Aht);                 // (300 + 30 + 240 + 10) / 2
        Assert.Equal(270, support.AverageTalk);
        Assert.Equal(20, support.AverageWrapUp);
        Assert.Equal(45, support.AverageAbandonWait);
        Assert.Equal(0.25, support.AbandonmentRate);    // 1 / (5 - 1)
        Assert.Equal(1, support.TransfersOut);
        Assert.Equal(0.5, support.TransferRate);

        var billing = Assert.Single(report.Rows, r => r.Queue == "billing");
        Assert.Equal(4, billing.Offered);               // D (transferred in), E (overflowed in), F, G
        Assert.Equal(1, billing.TransfersIn);
        Assert.Equal(2, billing.Answered);
        Assert.Equal(1, billing.AnsweredWithinTarget);
        Assert.Equal(1, billing.Abandoned);
        Assert.Equal(1, billing.Diverted);
        Assert.Equal(1, billing.Refused);
        // answered-and-abandoned: met D / (answered D, F + abandoned E); the refused G is not counted.
        Assert.Equal((1, 3), (billing.ServiceLevelMet, billing.ServiceLevelCounted));
        Assert.Equal(1.0 / 3, billing.ServiceLevel);
        Assert.Equal(312.5, billing.Asa);               // (20 + 605) / 2
        Assert.Equal(190, billing.Aht);                 // (320 + 60) / 2
        Assert.Equal(620, billing.AverageAbandonWait);
        Assert.Equal(1, billing.CallbacksRequested);
        Assert.Equal(1, billing.CallbackAttempts);
        Assert.Equal(1, billing.CallbacksNoAnswer);
        Assert.Equal(0, billing.CallbacksGivenUp);

        // Totals: per queue over the range, and all queues (SL from the summed counters, never an average of rates).
        var all = Assert.Single(report.Totals, r => r.Queue == "*");
        Assert.Equal(9, all.Offered);
        Assert.Equal(4, all.Answered);
        Assert.Equal((2, 7), (all.ServiceLevelMet, all.ServiceLevelCounted));
        Assert.Equal(2.0 / 7, all.ServiceLevel);
        Assert.Equal(support.Offered, Assert.Single(report.Totals, r => r.Queue == "support").Offered);
    }

    [Theory]
    [InlineData(ReportsProvider.Sqlite)]
    [InlineData(ReportsProvider.PostgreSql)]
    public async Task The_agent_report_has_the_hand_computed_figures(ReportsProvider provider)
    {
        await using var db = await RecordedAsync(provider);
        var report = await db.Reader.AgentsAsync(Nine, Ten, ReportInterval.Hour, null, CancellationToken.None);

        var alice = Assert.Single(report.Rows, r => r.Agent == "alice");
        Assert.Equal((3L, 0L, 3L, 3L), (alice.Rung, alice.Missed, alice.Answered, alice.Handled));
        Assert.Equal(640.0 / 3, alice.Aht, 6);              // averages are whole ticks
        Assert.Equal(1, alice.TransfersOut);
        Assert.Equal(2946, alice.Available);            // 10 + 301 + 2100 + 535
        Assert.Equal(14, alice.Ringing);
        Assert.Equal(595, alice.OnCall);
        Assert.Equal(45, alice.WrapUp);
        Assert.Equal(0, alice.NotReady);
        Assert.Equal(3600, alice.Staffed);
        Assert.Equal(640.0 / 3600, alice.Occupancy, 12);

        var bob = Assert.Single(report.Rows, r => r.Agent == "bob");
        Assert.Equal((2L, 1L, 1L, 1L), (bob.Rung, bob.Missed, bob.Answered, bob.Handled));
        Assert.Equal(320, bob.Aht);
        Assert.Equal(3005, bob.Available);              // 630 + 5 + 2370
        Assert.Equal(20, bob.Ringing);
        Assert.Equal(300, bob.OnCall);
        Assert.Equal(20, bob.WrapUp);
        Assert.Equal(255, bob.NotReady);
        Assert.Equal(3345, bob.Staffed);
        Assert.Equal(3600, bob.SignedIn);
        Assert.Equal(320.0 / 3345, bob.Occupancy, 12);
    }

    [Theory]
    [InlineData(ReportsProvider.Sqlite)]
    [InlineData(ReportsProvider.PostgreSql)]
    public async Task Quarter_hours_add_up_to_the_hour_and_the_day_to_its_hours(ReportsProvider provider)
    {
        await using var db = await RecordedAsync(provider);
        var quarters = await db.Reader.QueuesAsync(Nine, Ten, ReportInterval.Quarter, ["support"], CancellationToken.None);
        Assert.Equal(4, quarters.Rows.Count);
        Assert.Equal([4, 1, 0, 0], quarters.Rows.Select(r => r.Offered));        // A B C D | E | - | -
        Assert.Equal(5, quarters.Rows.Sum(r => r.Offered));
        var day = await db.Reader.QueuesAsync(new Bound(null, DateOnly.FromDateTime(Day.Date)), new Bound(null, DateOnly.FromDateTime(Day.Date).AddDays(1)),
            ReportInterval.Day, ["support"], CancellationToken.None);
        var row = Assert.Single(day.Rows);
        Assert.Equal((5L, 2L, 0.25), (row.Offered, row.Answered, row.ServiceLevel));
        var agentQuarters = await db.Reader.AgentsAsync(Nine, Ten, ReportInterval.Quarter, ["bob"], CancellationToken.None);
        Assert.Equal(3600, agentQuarters.Rows.Sum(r => r.SignedIn));
        Assert.Equal([900.0, 900, 900, 900], agentQuarters.Rows.Select(r => r.SignedIn));
    }

    [Theory]
    [InlineData(ReportsProvider.Sqlite)]
    [InlineData(ReportsProvider.PostgreSql)]
    public async Task A_figure_drills_down_to_exactly_the_calls_behind_it(ReportsProvider provider)
    {
        await using var db = await RecordedAsync(provider);
        var abandoned = await db.Reader.QueueCallsAsync("*", Nine, Ten, Figure.Abandoned, 100, CancellationToken.None);
        Assert.Equal([(B, "support"), (E, "billing")], abandoned.Select(c => (c.CallId, c.Queue!)));
        Assert.Equal([45.0, 620.0], abandoned.Select(c => c.Waited!.Value));
        Assert.Equal([C], (await db.Reader.QueueCallsAsync("support", Nine, Ten, Figure.ShortAbandoned, 100, CancellationToken.None)).Select(c => c.CallId));
        Assert.Equal([B, D, E], (await db.Reader.QueueCallsAsync("support", Nine, Ten, Figure.ServiceLevelMissed, 100, CancellationToken.None)).Select(c => c.CallId));
        Assert.Equal([A, B, C, D, E], (await db.Reader.QueueCallsAsync("support", Nine, Ten, Figure.Offered, 100, CancellationToken.None)).Select(c => c.CallId));
        Assert.Equal([G], (await db.Reader.QueueCallsAsync("billing", Nine, Ten, Figure.Refused, 100, CancellationToken.None)).Select(c => c.CallId));
        var missed = Assert.Single(await db.Reader.AgentCallsAsync("bob", Nine, Ten, Figure.Missed, 100, CancellationToken.None));
        Assert.Equal((D, "ring timeout"), (missed.CallId, missed.Detail));
        Assert.Equal([A, D, F], (await db.Reader.AgentCallsAsync("alice", Nine, Ten, Figure.Handled, 100, CancellationToken.None)).Select(c => c.CallId));

        var history = await db.Reader.CallAsync(D, CancellationToken.None);
        Assert.NotNull(history);
        Assert.Equal(["support", "billing"], history.Stays.Select(s => s.Queue!));
        Assert.True(history.Stays[0].TransferredOut);
        Assert.Equal($"/api/routing/decisions?callId={D}", history.Decisions);
        Assert.Contains(history.Events, e => e.Event == "agentNoAnswer" && e.Agent == "bob");
    }

    [Theory]
    [InlineData(ReportsProvider.Sqlite)]
    [InlineData(ReportsProvider.PostgreSql)]
    public async Task Rebuild_from_the_record_gives_byte_identical_tables(ReportsProvider provider)
    {
        await using var db = await RecordedAsync(provider);
        var live = await TableDump.DumpAsync(db.Database);
        Assert.True(await TableDump.CountAsync(db.Database, "ReportQueueIntervals") > 0);

        var read = await db.AnotherStore().RebuildAsync(CancellationToken.None);
        Assert.Equal(Messages().Count, read);
        Assert.Equal(live, await TableDump.DumpAsync(db.Database));

        // Everything delivered again changes nothing.
        Assert.Equal(0, await db.Store.RecordAsync([.. Messages().Select(ToRecord)], CancellationToken.None));
        Assert.Equal(live, await TableDump.DumpAsync(db.Database));
    }

    [Fact]
    public async Task Arrival_order_and_batching_do_not_change_a_figure()
    {
        await using var inOrder = await TestReportsDatabase.CreateAsync(ReportsProvider.Sqlite, Queues());
        foreach (var m in Messages())
        {
            await inOrder.Store.RecordAsync([ToRecord(m)], CancellationToken.None);
        }
        await inOrder.Store.AdvanceAgentTimeAsync(T(10, 30), CancellationToken.None);
        await using var shuffled = await RecordedAsync(ReportsProvider.Sqlite, seed: 7);
        await using var reversed = await TestReportsDatabase.CreateAsync(ReportsProvider.Sqlite, Queues());
        var all = Messages();
        all.Reverse();
        await reversed.Store.RecordAsync([.. all.Select(ToRecord)], CancellationToken.None);
        await reversed.Store.AdvanceAgentTimeAsync(T(10, 30), CancellationToken.None);

        var expected = await TableDump.DumpAsync(inOrder.Database);
        Assert.Equal(expected, await TableDump.DumpAsync(shuffled.Database));
        Assert.Equal(expected, await TableDump.DumpAsync(reversed.Database));
    }

    [Fact]
    public async Task An_agent_in_a_state_is_counted_up_to_now_and_a_rebuild_counts_the_same()
    {
        await using var db = await TestReportsDatabase.CreateAsync(ReportsProvider.Sqlite, Queues());
        await db.Store.RecordAsync([ToRecord(new Contracts.AgentStateChanged
        {
            AgentId = "carol", State = Contracts.AgentState.Available, Previous = Contracts.AgentState.LoggedOut, OccurredAt = T(9, 5),
        })], CancellationToken.None);
        await db.Store.AdvanceAgentTimeAsync(T(9, 20), CancellationToken.None);
        var report = await db.Reader.AgentsAsync(Nine, Ten, ReportInterval.Quarter, ["carol"], CancellationToken.None);
        Assert.Equal([600.0, 300, 0, 0], report.Rows.Select(r => r.Available));
        await db.Store.AdvanceAgentTimeAsync(T(9, 40), CancellationToken.None);
        var live = await TableDump.DumpAsync(db.Database);
        report = await db.Reader.AgentsAsync(Nine, Ten, ReportInterval.Quarter, ["carol"], CancellationToken.None);
        Assert.Equal([600.0, 900, 600, 0], report.Rows.Select(r => r.Available));
        // A late event (carol went not ready at 09:25) splits the open interval; time is never counted twice.
        await db.Store.RecordAsync([ToRecord(new Contracts.AgentStateChanged
        {
            AgentId = "carol", State = Contracts.AgentState.NotReady, Previous = Contracts.AgentState.Available, Reason = "break", OccurredAt = T(9, 25),
        })], CancellationToken.None);
        report = await db.Reader.AgentsAsync(Nine, Ten, ReportInterval.Quarter, ["carol"], CancellationToken.None);
        Assert.Equal([600.0, 600, 0, 0], report.Rows.Select(r => r.Available));
        Assert.Equal([0.0, 300, 600, 0], report.Rows.Select(r => r.NotReady));
        var beforeRebuild = await TableDump.DumpAsync(db.Database);
        Assert.NotEqual(live, beforeRebuild);
        await db.Store.RebuildAsync(CancellationToken.None);
        Assert.Equal(beforeRebuild, await TableDump.DumpAsync(db.Database));
    }

    [Fact]
    public async Task Changes_at_one_instant_follow_their_previous_states()
    {
        // Routing ends alice's wrap-up and reserves her for the next call in one step: both changes carry 09:05.
        await using var db = await TestReportsDatabase.CreateAsync(ReportsProvider.Sqlite, Queues());
        var call = Guid.NewGuid();
        Contracts.AgentStateChanged Change(Contracts.AgentState state, Contracts.AgentState previous, DateTimeOffset at) =>
            new() { AgentId = "alice", State = state, Previous = previous, OccurredAt = at, CallId = state == Contracts.AgentState.Reserved ? call : null };
        await db.Store.RecordAsync([.. new[]
        {
            Change(Contracts.AgentState.Available, Contracts.AgentState.LoggedOut, T(9, 0)),
            Change(Contracts.AgentState.WrapUp, Contracts.AgentState.Available, T(9, 1)),
            Change(Contracts.AgentState.Reserved, Contracts.AgentState.Available, T(9, 5)),
            Change(Contracts.AgentState.Available, Contracts.AgentState.WrapUp, T(9, 5)),
            Change(Contracts.AgentState.OnCall, Contracts.AgentState.Reserved, T(9, 6)),
        }.Select(ToRecord)], CancellationToken.None);
        await db.Store.AdvanceAgentTimeAsync(T(9, 10), CancellationToken.None);
        var row = Assert.Single((await db.Reader.AgentsAsync(Nine, Ten, ReportInterval.Hour, ["alice"], CancellationToken.None)).Rows);
        Assert.Equal((60.0, 240.0, 60.0, 240.0), (row.Available, row.WrapUp, row.Ringing, row.OnCall));

        // Wrap-up ends and the shift ends at one instant; the next change arrives in a later batch, so the re-fold starts at that
        // instant and chains its two changes from the state recorded before it (on call), not from nothing.
        await db.Store.RecordAsync([ToRecord(Change(Contracts.AgentState.WrapUp, Contracts.AgentState.OnCall, T(9, 20)))], CancellationToken.None);
        await db.Store.RecordAsync([ToRecord(Change(Contracts.AgentState.LoggedOut, Contracts.AgentState.Available, T(9, 30))),
            ToRecord(Change(Contracts.AgentState.Available, Contracts.AgentState.WrapUp, T(9, 30)))], CancellationToken.None);
        await db.Store.RecordAsync([ToRecord(Change(Contracts.AgentState.Available, Contracts.AgentState.LoggedOut, T(9, 50)))], CancellationToken.None);
        await db.Store.AdvanceAgentTimeAsync(T(10, 0), CancellationToken.None);
        row = Assert.Single((await db.Reader.AgentsAsync(Nine, Ten, ReportInterval.Hour, ["alice"], CancellationToken.None)).Rows);
        Assert.Equal((60.0 + 600, 240.0 + 600, 60.0, 240.0 + 600), (row.Available, row.WrapUp, row.Ringing, row.OnCall));
        var live = await TableDump.DumpAsync(db.Database);
        await db.Store.RebuildAsync(CancellationToken.None);
        Assert.Equal(live, await TableDump.DumpAsync(db.Database));
    }

    /// <summary>The morning recorded in a shuffled order, in batches of 1 to 9, every third message delivered twice; agents counted to 10:30.</summary>
    private static async Task<TestReportsDatabase> RecordedAsync(ReportsProvider provider, int seed = 42)
    {
        var db = await TestReportsDatabase.CreateAsync(provider, Queues());
        try
        {
            var random = new Random(seed);
            var events = Messages().Select(ToRecord).ToList();
            events.AddRange(events.Where((_, i) => i % 3 == 0).ToList());
            var shuffled = events.OrderBy(_ => random.Next()).ToList();
            for (var i = 0; i < shuffled.Count;)
            {
                var n = random.Next(1, 10);
                await db.Store.RecordAsync(shuffled.Skip(i).Take(n).ToList(), CancellationToken.None);
                i += n;
            }
            await db.Store.AdvanceAgentTimeAsync(T(10, 30), CancellationToken.None);
            return db;
        }
        catch
        {
            await db.DisposeAsync();
            throw;
        }
    }
}
