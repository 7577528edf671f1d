using System.Security.Claims;
using ContactCenter.Crm.Customers;
using ContactCenter.Crm.Data;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ContactCenter.Crm.Interactions;

/// <summary>
/// One call's interaction by its call id, and its voicemail's audio (supervisors, and the agents of the voicemail's queue). Reads of
/// a known customer's call are audited.
/// </summary>
internal static class InteractionsApi
{
    public static void MapInteractionsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/interactions").WithTags("Interactions").WithGroupName(CrmModule.OpenApiDocument)
            .RequireAuthorization("agent");
        api.MapGet("/{callId:guid}", GetAsync).WithName("GetInteraction");
        api.MapGet("/{callId:guid}/voicemail", VoicemailAsync).WithName("GetInteractionVoicemail")
            .Produces(StatusCodes.Status200OK, contentType: "audio/wav")
            .Produces(StatusCodes.Status206PartialContent, contentType: "audio/wav");
    }

    private static async Task<Results<Ok<InteractionView>, ProblemHttpResult>> GetAsync(
        Guid callId, CrmDbContext db, TimeProvider time, ClaimsPrincipal user, CancellationToken ct)
    {
        var row = await db.Interactions.AsNoTracking().FirstOrDefaultAsync(i => i.CallId == callId, ct);
        if (row is null)
        {
            return ApiSupport.Problem(StatusCodes.Status404NotFound, "No such interaction.", $"No call has id {callId}.");
        }
        if (!user.IsInRole("supervisor") && !await MayReadAsync(row, ApiSupport.Login(user), db, ct))
        {
            // The record carries the wrap-up notes: an agent reads their own calls' (supervisors read every call's).
            return ApiSupport.Problem(StatusCodes.Status403Forbidden, "Not your call.",
                $"Call {callId} is another agent's; its record is for that agent and supervisors.");
        }
        if (row.CustomerId is { } customer)
        {
            db.AuditEntries.Add(ApiSupport.Audit(user, "read-interaction", customer, time.GetUtcNow(), callId.ToString()));
            await db.SaveChangesAsync(ct);
        }
        return TypedResults.Ok(Wire.ToView(row));
    }

    /// <summary>
    /// Streams the call's voicemail (audio/wav, with HTTP range requests so a player can seek). The row holds a file name
    /// only; anything else (a path, <c>..</c>) is refused as if there were no message.
    /// </summary>
    private static async Task<Results<PhysicalFileHttpResult, ProblemHttpResult>> VoicemailAsync(
        Guid callId, CrmDbContext db, IOptions<CrmOptions> options, TimeProvider time, ClaimsPrincipal user, CancellationToken ct)
    {
        var row = await db.Interactions.AsNoTracking().Where(i => i.CallId == callId)
            .Select(i => new { i.VoicemailPath, i.CustomerId, i.Queue }).FirstOrDefaultAsync(ct);
        if (row?.VoicemailPath is not { } name || !IsFileName(name))
        {
            return ApiSupport.Problem(StatusCodes.Status404NotFound, "No voicemail.", $"Call {callId} has no voicemail.");
        }
        if (!user.IsInRole("supervisor"))
        {
            // A caller's message is for the agents of the queue it was left in (the directory says who serves it).
            var login = ApiSupport.Login(user);
            var serves = row.Queue is { } queue && await db.Set<PersonQueue>().AsNoTracking()
                .AnyAsync(q => q.Login == login && q.Queue == queue && db.People.Any(p => p.Login == login && p.Active), ct);
            if (!serves)
            {
                return ApiSupport.Problem(StatusCodes.Status403Forbidden, "Not your queue's voicemail.",
                    $"The voicemail of call {callId} is for the agents of {row.Queue ?? "its queue"} and supervisors.");
            }
        }
        var folder = Path.GetFullPath(options.Value.VoicemailPath);
        var path = Path.GetFullPath(Path.Combine(folder, name));
        if (!path.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal) || !File.Exists(path))
        {
            return ApiSupport.Problem(StatusCodes.Status404NotFound, "No voicemail.", $"The voicemail of call {callId} is no longer on file.");
        }
        if (row.CustomerId is { } customer)
        {
            db.AuditEntries.Add(ApiSupport.Audit(user, "play-voicemail", customer, time.GetUtcNow(), callId.ToString()));
            await db.SaveChangesAsync(ct);
        }
        return TypedResults.PhysicalFile(path, "audio/wav", fileDownloadName: null, enableRangeProcessing: true);
    }

    /// <summary>
    /// An agent reads a call's record when the call is theirs, or while no agent has it (a voicemail waiting in a queue) when
    /// they serve its queue.
    /// </summary>
    private static async Task<bool> MayReadAsync(Interaction row, string login, CrmDbContext db, CancellationToken ct)
    {
        if (row.AgentId is { } owner)
        {
            return string.Equals(owner, login, StringComparison.Ordinal);
        }
        return row.Queue is { } queue && await db.Set<PersonQueue>().AsNoTracking()
            .AnyAsync(q => q.Login == login && q.Queue == queue && db.People.Any(p => p.Login == login && p.Active), ct);
    }

    private static bool IsFileName(string name) =>
        name.Length is > 0 and <= 255
        && name.EndsWith(".wav", StringComparison.OrdinalIgnoreCase)
        && name.IndexOfAny(['/', '\\', ':', '\0']) < 0
        && name != ".." && !name.StartsWith('.')
        && name == Path.GetFileName(name);
}
