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

/// <summary>
/// Answers from every partition active in this process. A process where none is active (a standby) answers 503, so a front door
/// with several routing processes behind it (nginx <c>proxy_next_upstream http_503</c>) asks the active one.
/// </summary>
internal static class RoutingApi
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/routing");
        group.MapGet("/decisions", GetDecisions).RequireAuthorization("supervisor");
        group.MapGet("/agents", GetAgents).RequireAuthorization("agent");
        group.MapGet("/queues", GetQueues).RequireAuthorization("agent");
    }

    private static ProblemHttpResult Standby() =>
        TypedResults.Problem("No routing partition is active in this process (standby).", statusCode: StatusCodes.Status503ServiceUnavailable);

    private static async Task<Results<Ok<IReadOnlyList<RoutingDecision>>, NotFound, ValidationProblem, ProblemHttpResult>> GetDecisions(
        string? callId, RoutingPartitions partitions, CancellationToken ct)
    {
        if (!Guid.TryParse(callId, out var id))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["callId"] = ["callId must be a call's GUID"] });
        }
        if (!partitions.AnyActive)
        {
            return Standby();
        }
        // A call transferred across partitions has decisions in both: oldest first.
        var decisions = new List<RoutingDecision>();
        foreach (var actor in partitions.ActiveActors())
        {
            if (await QueryOrDefault<IReadOnlyList<RoutingDecision>>(actor, e => e.DecisionsFor(id) is { } d ? [.. d] : null, ct) is { } found)
            {
                decisions.AddRange(found);
            }
        }
        decisions.Sort((a, b) => a.At.CompareTo(b.At));
        return decisions.Count == 0 ? TypedResults.NotFound() : TypedResults.Ok<IReadOnlyList<RoutingDecision>>(decisions);
    }

    private static async Task<Results<Ok<IReadOnlyList<AgentSnapshot>>, ProblemHttpResult>> GetAgents(RoutingPartitions partitions, CancellationToken ct)
    {
        if (!partitions.AnyActive)
        {
            return Standby();
        }
        // An agent that moved to another partition is still known, logged out, where it was: the owner's entry wins.
        var agents = new Dictionary<string, AgentSnapshot>(StringComparer.Ordinal);
        foreach (var actor in partitions.ActiveActors())
        {
            foreach (var a in await QueryOrDefault(actor, e => e.AgentSnapshots(), ct) ?? [])
            {
                if (!agents.TryGetValue(a.AgentId, out var seen) || (seen.State == AgentState.LoggedOut && a.State != AgentState.LoggedOut) || (seen.Queues.Count == 0 && a.Queues.Count > 0))
                {
                    agents[a.AgentId] = a;
                }
            }
        }
        return TypedResults.Ok<IReadOnlyList<AgentSnapshot>>([.. agents.Values.OrderBy(a => a.AgentId, StringComparer.Ordinal)]);
    }

    private static async Task<Results<Ok<IReadOnlyList<QueueBoard>>, ProblemHttpResult>> GetQueues(RoutingPartitions partitions, CancellationToken ct)
    {
        if (!partitions.AnyActive)
        {
            return Standby();
        }
        var list = new List<QueueBoard>();
        foreach (var actor in partitions.ActiveActors())
        {
            list.AddRange(await QueryOrDefault<IReadOnlyList<QueueBoard>>(actor, e =>
            {
                var snapshots = e.QueueSnapshots();
                var boards = new List<QueueBoard>(snapshots.Count);
                for (var i = 0; i < snapshots.Count; i++)
                {
                    boards.Add(new QueueBoard(snapshots[i], e.Statistics(i)));
                }
                return boards;
            }, ct) ?? []);
        }
        return TypedResults.Ok<IReadOnlyList<QueueBoard>>(list);
    }

    /// <summary>A partition that stepped down between listing and asking answers nothing.</summary>
    private static async Task<T?> QueryOrDefault<T>(RoutingActor actor, Func<RoutingEngine, T?> query, CancellationToken ct) where T : class
    {
        try
        {
            return await actor.Query(query, ct);
        }
        catch (PartitionInactiveException)
        {
            return null;
        }
    }
}
