using ContactCenter.Contracts;
using ContactCenter.Reporting.Api;
using ContactCenter.Reporting.Staffing;

namespace ContactCenter.Reporting.Tests;

/// <summary>Staffing from the history: the same weekday of recent weeks, Erlang C against the queue's target, agents actually staffed.</summary>
public sealed class StaffingTests
{
    [Fact]
    public async Task The_forecast_averages_the_same_weekday_and_erlang_c_sizes_it_against_the_target()
    {
        var queues = ScriptedDay.Queues();
        await using var db = await TestReportsDatabase.CreateAsync(ReportsProvider.Sqlite, queues);
        var monday = new DateTimeOffset(2026, 3, 30, 0, 0, 0, TimeSpan.FromHours(1));    // British Summer Time from 29 March
        var events = new List<object>();
        // Four Mondays before: 09:00-10:00 local, 10, 12, 14 and 16 calls (average 13), each waiting 5 s and handled in 300 s.
        // The Tuesday after each is busier (it must not count).
        for (var w = 1; w <= 4; w++)
        {
            AddCalls(events, London(monday.Date.AddDays(-7 * w).AddHours(9)), 8 + (2 * w));
            AddCalls(events, London(monday.Date.AddDays(-7 * w + 1).AddHours(9)), 50);
        }
        // On the day: alice staffed 09:00-09:30, bob 09:00-10:00: 1.5 agents on average over the hour.
        events.Add(State("alice", AgentState.Available, monday.AddHours(9)));
        events.Add(State("alice", AgentState.LoggedOut, monday.AddHours(9.5)));
        events.Add(State("bob", AgentState.Available, monday.AddHours(9)));
        events.Add(State("bob", AgentState.LoggedOut, monday.AddHours(10)));
        await db.Store.RecordAsync([.. events.Select(ScriptedDay.ToRecord)], CancellationToken.None);

        var report = await StaffingPlanner.PlanAsync(db.Reader, queues.Get("support"), DateOnly.FromDateTime(monday.Date), ReportInterval.Hour, 4,
            monday.AddDays(1), CancellationToken.None);
        Assert.Equal(24, report.Rows.Count);
        var nine = report.Rows.Single(r => r.Start.Hour == 9);
        Assert.Equal(monday.AddHours(9), nine.Start);
        Assert.Equal(13, nine.ForecastCalls);
        Assert.Equal(300, nine.ForecastAht);
        Assert.Equal(13 * 300 / 3600.0, nine.Erlangs, 9);
        var expected = ErlangC.AgentsNeeded(13, TimeSpan.FromHours(1), TimeSpan.FromSeconds(300), 0.8, TimeSpan.FromSeconds(20));
        Assert.Equal(expected, nine.AgentsNeeded);
        Assert.True(ErlangC.ServiceLevel(expected, nine.Erlangs, TimeSpan.FromSeconds(300), TimeSpan.FromSeconds(20)) >= 0.8);
        Assert.True(ErlangC.ServiceLevel(expected - 1, nine.Erlangs, TimeSpan.FromSeconds(300), TimeSpan.FromSeconds(20)) < 0.8);
        Assert.Equal(1.5, nine.AgentsStaffed);
        Assert.Equal(0, nine.ActualCalls);
        var eight = report.Rows.Single(r => r.Start.Hour == 8);
        Assert.Equal((0.0, 0), (eight.ForecastCalls, eight.AgentsNeeded));
        Assert.Contains("abandon", report.Caveat, StringComparison.Ordinal);
    }

    private static void AddCalls(List<object> events, DateTimeOffset start, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var id = Guid.NewGuid();
            var at = start.AddSeconds(i * 3600.0 / count);
            events.Add(new CallQueued { CallId = id, Queue = "support", Caller = "+44", GatewayId = "gw", IvrPath = "m", QueuedAt = at, OccurredAt = at });
            events.Add(new CallLeftQueue { CallId = id, Queue = "support", Reason = QueueExitReason.Answered, AgentId = "alice", Waited = TimeSpan.FromSeconds(5), OccurredAt = at.AddSeconds(5) });
            events.Add(new CallHandled { CallId = id, AgentId = "alice", Queue = "support", TalkTime = TimeSpan.FromSeconds(280), WrapUpTime = TimeSpan.FromSeconds(20), OccurredAt = at.AddSeconds(305) });
        }
    }

    /// <summary>A wall-clock time in London (the queues' zone), with its offset that day.</summary>
    private static DateTimeOffset London(DateTime local) =>
        new(local, TimeZoneInfo.FindSystemTimeZoneById("Europe/London").GetUtcOffset(local));

    private static AgentStateChanged State(string agent, AgentState state, DateTimeOffset at) =>
        new() { AgentId = agent, State = state, Previous = AgentState.LoggedOut, OccurredAt = at };
}
