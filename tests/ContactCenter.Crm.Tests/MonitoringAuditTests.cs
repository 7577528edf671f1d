using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ContactCenter.Contracts;
using ContactCenter.Crm.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ContactCenter.Crm.Tests;

/// <summary>The audit of supervisors in calls (issue 18): a row per step, once each; readable by supervisors only; a take-over in the history.</summary>
public abstract class MonitoringAuditTests(CrmTestHost host)
{
    private MonitoringChanged Step(Guid session, int sequence, Guid call, MonitorMode mode, MonitoringPhase phase, string reason) => new()
    {
        MonitoringId = session,
        Sequence = sequence,
        CallId = call,
        AgentId = "alice",
        SupervisorId = "sam",
        Mode = mode,
        Phase = phase,
        Reason = reason,
        OccurredAt = host.Time.GetUtcNow().AddSeconds(sequence),
    };

    [Fact]
    public async Task Every_step_of_a_session_is_one_row_and_supervisors_can_read_them()
    {
        var session = Guid.NewGuid();
        var call = Guid.NewGuid();
        await host.Harness.Bus.Publish(Step(session, 1, call, MonitorMode.Listen, MonitoringPhase.Ringing, "board"));
        await host.Harness.Bus.Publish(Step(session, 2, call, MonitorMode.Listen, MonitoringPhase.Started, "answered"));
        await host.Harness.Bus.Publish(Step(session, 2, call, MonitorMode.Listen, MonitoringPhase.Started, "answered")); // redelivered
        await host.Harness.Bus.Publish(Step(session, 3, call, MonitorMode.Whisper, MonitoringPhase.ModeChanged, "DTMF 5"));
        await host.Harness.Bus.Publish(Step(session, 4, call, MonitorMode.Whisper, MonitoringPhase.Ended, "supervisor hung up (BYE)"));

        await WaitForRowsAsync(call, 4);
        // The redelivery was consumed too (the harness saw it) and added nothing.
        using (var waiting = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
        {
            while (host.Harness.Consumed.Select<MonitoringChanged>(m => m.Context.Message.CallId == call).Count() < 5)
            {
                await Task.Delay(50, waiting.Token);
            }
        }

        await using (var scope = host.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CrmDbContext>();
            var rows = await db.MonitoringEvents.AsNoTracking().Where(e => e.CallId == call).OrderBy(e => e.Sequence).ToListAsync();
            Assert.Equal([MonitoringPhase.Ringing, MonitoringPhase.Started, MonitoringPhase.ModeChanged, MonitoringPhase.Ended], rows.Select(r => r.Phase));
            Assert.Equal([MonitorMode.Listen, MonitorMode.Listen, MonitorMode.Whisper, MonitorMode.Whisper], rows.Select(r => r.Mode));
            Assert.All(rows, r => Assert.Equal(("sam", "alice"), (r.SupervisorId, r.AgentId)));
        }

        var supervisor = host.Client("sam", "supervisor");
        var listed = await supervisor.GetFromJsonAsync<JsonElement>($"/api/monitoring?callId={call}");
        Assert.Equal(4, listed.GetArrayLength());
        Assert.Equal(("ended", "whisper", "supervisor hung up (BYE)"), (listed[0].GetProperty("phase").GetString(), listed[0].GetProperty("mode").GetString(), listed[0].GetProperty("reason").GetString()));

        var agent = host.Client("alice", "agent");
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.GetAsync(new Uri($"/api/monitoring?callId={call}", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Client().GetAsync(new Uri("/api/monitoring", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task A_take_over_names_both_in_the_calls_history()
    {
        var call = Guid.NewGuid();
        var now = host.Time.GetUtcNow();
        await host.Harness.Bus.Publish(new CallConnected { CallId = call, AgentId = "alice", Queue = "support", OccurredAt = now });
        await host.Harness.Bus.Publish(new CallTakenOver { CallId = call, AgentId = "alice", SupervisorId = "sam", OccurredAt = now.AddSeconds(20) });

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            await using (var scope = host.Services.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<CrmDbContext>();
                if (await db.Interactions.AsNoTracking().SingleOrDefaultAsync(i => i.CallId == call && i.TakenOverFrom != null, timeout.Token) is { } row)
                {
                    Assert.Equal(("sam", "alice"), (row.AgentId, row.TakenOverFrom));
                    return;
                }
            }

            await Task.Delay(50, timeout.Token);
        }
    }

    private async Task WaitForRowsAsync(Guid call, int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            await using (var scope = host.Services.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<CrmDbContext>();
                if (await db.MonitoringEvents.CountAsync(e => e.CallId == call, timeout.Token) >= count)
                {
                    return;
                }
            }

            await Task.Delay(50, timeout.Token);
        }
    }
}

public sealed class MonitoringAuditTestsOnSqlite(SqliteCrmTestHost host) : MonitoringAuditTests(host), IClassFixture<SqliteCrmTestHost>;

public sealed class MonitoringAuditTestsOnPostgreSql(PostgreSqlCrmTestHost host) : MonitoringAuditTests(host), IClassFixture<PostgreSqlCrmTestHost>;
