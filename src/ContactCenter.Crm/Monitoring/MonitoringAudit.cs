using ContactCenter.Contracts;
using ContactCenter.Crm.Data;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace ContactCenter.Crm.Monitoring;

/// <summary>
/// The audit of supervisors in calls (issue 18): every <see cref="MonitoringChanged"/> becomes a row of
/// <c>MonitoringEvents</c> (who, whom, which call, which mode, what happened, when). Idempotent: a redelivered event
/// (same session, same sequence) adds nothing.
/// </summary>
internal sealed class RecordMonitoringConsumer(CrmDbContext db) : IConsumer<MonitoringChanged>
{
    public async Task Consume(ConsumeContext<MonitoringChanged> context)
    {
        var m = context.Message;
        var ct = context.CancellationToken;
        if (await db.MonitoringEvents.AnyAsync(e => e.MonitoringId == m.MonitoringId && e.Sequence == m.Sequence, ct))
        {
            return;
        }

        db.MonitoringEvents.Add(new MonitoringEvent
        {
            MonitoringId = m.MonitoringId,
            Sequence = m.Sequence,
            CallId = m.CallId,
            SupervisorId = Truncate(m.SupervisorId, 64),
            AgentId = Truncate(m.AgentId, 64),
            Mode = m.Mode,
            Phase = m.Phase,
            Reason = m.Reason is null ? null : Truncate(m.Reason, 256),
            At = m.OccurredAt,
        });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // The same event delivered twice at once: the other delivery wrote it (else the retry policy tries again).
            if (!await db.MonitoringEvents.AsNoTracking().AnyAsync(e => e.MonitoringId == m.MonitoringId && e.Sequence == m.Sequence, ct))
            {
                throw;
            }
        }
    }

    private static string Truncate(string value, int length) => value.Length <= length ? value : value[..length];
}

internal sealed class RecordMonitoringDefinition() : CrmConsumerDefinition<RecordMonitoringConsumer>("crm-monitoring", 8);

/// <summary>Row of the monitoring audit as the API returns it.</summary>
internal sealed record MonitoringEventView(
    Guid MonitoringId, int Sequence, Guid? CallId, string SupervisorId, string AgentId, string Mode, string Phase, string? Reason, DateTimeOffset At);

/// <summary><c>GET /api/monitoring</c> (supervisors): the audit, newest first, for a call, a supervisor or an agent.</summary>
internal static class MonitoringApi
{
    public static IEndpointRouteBuilder MapMonitoringApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/monitoring", ListAsync).RequireAuthorization("supervisor");
        return app;
    }

    private static async Task<Ok<List<MonitoringEventView>>> ListAsync(CrmDbContext db, Guid? callId, string? supervisorId, string? agentId, int? take, CancellationToken ct)
    {
        var rows = db.MonitoringEvents.AsNoTracking();
        if (callId is { } call)
        {
            rows = rows.Where(e => e.CallId == call);
        }

        if (!string.IsNullOrWhiteSpace(supervisorId))
        {
            rows = rows.Where(e => e.SupervisorId == supervisorId);
        }

        if (!string.IsNullOrWhiteSpace(agentId))
        {
            rows = rows.Where(e => e.AgentId == agentId);
        }

        var found = await rows.OrderByDescending(e => e.At).ThenByDescending(e => e.Id).Take(Math.Clamp(take ?? 200, 1, 1000)).ToListAsync(ct);
        return TypedResults.Ok(found.ConvertAll(e => new MonitoringEventView(
            e.MonitoringId, e.Sequence, e.CallId, e.SupervisorId, e.AgentId, Wire(e.Mode), Wire(e.Phase), e.Reason, e.At)));
    }

    private static string Wire<T>(T value) where T : struct, Enum => value.ToString() switch
    {
        var name => char.ToLowerInvariant(name[0]) + name[1..],
    };
}
