using ContactCenter.Contracts;
using ContactCenter.Routing.Engine;
using ContactCenter.Routing.Service;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace ContactCenter.Routing;

/// <summary>A queue on the board: who waits (in routing order) and the live figures.</summary>
public sealed record QueueBoard(QueueSnapshot Queue, QueueStatistics Statistics);

internal static class RoutingApi
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/routing");
        group.MapGet("/decisions", GetDecisions).RequireAuthorization("supervisor");
        group.MapGet("/agents", GetAgents).RequireAuthorization("agent");
        group.MapGet("/queues", GetQueues).RequireAuthorization("agent");
    }

    private static async Task<Results<Ok<IReadOnlyList<RoutingDecision>>, NotFound, ValidationProblem>> GetDecisions(
        string? callId, RoutingActor actor, CancellationToken ct)
    {
        if (!Guid.TryParse(callId, out var id))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["callId"] = ["callId must be a call's GUID"] });
        }
        var decisions = await actor.Query(e => e.DecisionsFor(id) is { } d ? (IReadOnlyList<RoutingDecision>)[.. d] : null, ct);
        return decisions is null ? TypedResults.NotFound() : TypedResults.Ok(decisions);
    }

    private static async Task<Ok<IReadOnlyList<AgentSnapshot>>> GetAgents(RoutingActor actor, CancellationToken ct) =>
        TypedResults.Ok(await actor.Query(e => e.AgentSnapshots(), ct));

    private static async Task<Ok<IReadOnlyList<QueueBoard>>> GetQueues(RoutingActor actor, CancellationToken ct) =>
        TypedResults.Ok(await actor.Query<IReadOnlyList<QueueBoard>>(e =>
        {
            var snapshots = e.QueueSnapshots();
            var list = new List<QueueBoard>(snapshots.Count);
            for (var i = 0; i < snapshots.Count; i++)
            {
                list.Add(new QueueBoard(snapshots[i], e.Statistics(i)));
            }
            return list;
        }, ct));
}
