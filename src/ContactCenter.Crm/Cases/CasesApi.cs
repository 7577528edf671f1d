using System.Security.Claims;
using ContactCenter.Crm.Customers;
using ContactCenter.Crm.Data;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace ContactCenter.Crm.Cases;

/// <summary>Service cases: open, read (with an ETag), update (If-Match), add notes.</summary>
internal static class CasesApi
{
    private const int MaxNumberAttempts = 5;

    public static void MapCasesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/cases").WithTags("Cases").WithGroupName(CrmModule.OpenApiDocument)
            .RequireAuthorization("agent");
        api.MapPost("/", CreateAsync).WithName("CreateCase");
        api.MapGet("/{id:guid}", GetAsync).WithName("GetCase");
        api.MapPut("/{id:guid}", UpdateAsync).WithName("UpdateCase");
        api.MapPost("/{id:guid}/notes", AddNoteAsync).WithName("AddCaseNote");
    }

    internal sealed record CreateCaseRequest(
        Guid? CustomerId, string? Subject, string? Description, string? Priority, string? OwnerAgentId, DateTimeOffset? SlaDueAt);

    internal sealed record UpdateCaseRequest(
        string? Subject, string? Description, string? Status, string? Priority, string? OwnerAgentId, DateTimeOffset? SlaDueAt);

    internal sealed record NoteRequest(string? Text);

    internal sealed record NoteView(Guid Id, string AuthorId, string Text, DateTimeOffset CreatedAt);

    internal sealed record CaseDetails(CaseView Case, IReadOnlyList<NoteView> Notes);

    private static async Task<Results<Created<CaseDetails>, ValidationProblem>> CreateAsync(
        CreateCaseRequest? request, CrmDbContext db, TimeProvider time, ClaimsPrincipal user, HttpContext http, CancellationToken ct)
    {
        if (request is null)
        {
            return ApiSupport.Invalid("body", "A case is required.");
        }
        var errors = new Dictionary<string, string[]>();
        if (request.CustomerId is null)
        {
            errors["customerId"] = ["customerId is required."];
        }
        else if (!await db.Customers.AnyAsync(c => c.Id == request.CustomerId, ct))
        {
            errors["customerId"] = [$"No customer has id {request.CustomerId}."];
        }
        CheckText(errors, "subject", request.Subject, 200, required: true);
        CheckText(errors, "description", request.Description, 4000, required: false);
        var priority = CasePriority.Normal;
        if (request.Priority is not null && !Wire.TryParse(request.Priority, out priority))
        {
            errors["priority"] = [$"priority must be one of {Wire.Names<CasePriority>()}."];
        }
        await CheckOwnerAsync(errors, db, request.OwnerAgentId, ct);
        if (errors.Count > 0)
        {
            return ApiSupport.Invalid(errors);
        }
        var now = time.GetUtcNow();
        for (var attempt = 1; ; attempt++)
        {
            db.ChangeTracker.Clear();
            var number = (await db.Cases.MaxAsync(c => (int?)c.Number, ct) ?? 0) + 1;
            var serviceCase = new ServiceCase
            {
                Id = Guid.CreateVersion7(now),
                Number = number,
                CustomerId = request.CustomerId!.Value,
                Subject = request.Subject!.Trim(),
                Description = request.Description,
                Status = CaseStatus.Open,
                Priority = priority,
                OwnerAgentId = request.OwnerAgentId,
                SlaDueAt = request.SlaDueAt ?? now + CaseRules.DefaultSla(priority),
                OpenedAt = now,
                UpdatedAt = now,
            };
            db.Cases.Add(serviceCase);
            db.AuditEntries.Add(ApiSupport.Audit(user, "case-open", serviceCase.CustomerId, now, ServiceCase.FormatNumber(number)));
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException) when (attempt < MaxNumberAttempts)
            {
                // Another case took this number at the same moment: take the next one.
                continue;
            }
            SetETag(http, serviceCase.Version);
            return TypedResults.Created($"/api/cases/{serviceCase.Id}", new CaseDetails(Wire.ToView(serviceCase, now), []));
        }
    }

    private static async Task<Results<Ok<CaseDetails>, ProblemHttpResult>> GetAsync(
        Guid id, CrmDbContext db, TimeProvider time, ClaimsPrincipal user, HttpContext http, CancellationToken ct)
    {
        var serviceCase = await db.Cases.AsNoTracking().Include(c => c.Notes).FirstOrDefaultAsync(c => c.Id == id, ct);
        if (serviceCase is null)
        {
            return NoSuchCase(id);
        }
        var now = time.GetUtcNow();
        db.AuditEntries.Add(ApiSupport.Audit(user, "case-read", serviceCase.CustomerId, now, ServiceCase.FormatNumber(serviceCase.Number)));
        await db.SaveChangesAsync(ct);
        SetETag(http, serviceCase.Version);
        return TypedResults.Ok(Details(serviceCase, now));
    }

    private static async Task<Results<Ok<CaseDetails>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        Guid id, UpdateCaseRequest? request, CrmDbContext db, TimeProvider time, ClaimsPrincipal user, HttpContext http,
        CancellationToken ct)
    {
        var ifMatch = http.Request.Headers.IfMatch.ToString();
        if (string.IsNullOrWhiteSpace(ifMatch))
        {
            return ApiSupport.Problem(StatusCodes.Status428PreconditionRequired, "If-Match is required.",
                "Send the ETag from GET /api/cases/{id} in If-Match so a concurrent change is not overwritten.");
        }
        if (request is null)
        {
            return ApiSupport.Invalid("body", "The case is required.");
        }
        var errors = new Dictionary<string, string[]>();
        CheckText(errors, "subject", request.Subject, 200, required: true);
        CheckText(errors, "description", request.Description, 4000, required: false);
        if (!Wire.TryParse(request.Status, out CaseStatus status))
        {
            errors["status"] = [$"status must be one of {Wire.Names<CaseStatus>()}."];
        }
        if (!Wire.TryParse(request.Priority, out CasePriority priority))
        {
            errors["priority"] = [$"priority must be one of {Wire.Names<CasePriority>()}."];
        }
        await CheckOwnerAsync(errors, db, request.OwnerAgentId, ct);
        if (errors.Count > 0)
        {
            return ApiSupport.Invalid(errors);
        }
        var serviceCase = await db.Cases.Include(c => c.Notes).FirstOrDefaultAsync(c => c.Id == id, ct);
        if (serviceCase is null)
        {
            return NoSuchCase(id);
        }
        if (!Matches(ifMatch, serviceCase.Version))
        {
            return Stale(id);
        }
        if (!CaseRules.CanMove(serviceCase.Status, status, out var reason))
        {
            return ApiSupport.Problem(StatusCodes.Status409Conflict, "Status change not allowed.", reason);
        }
        var now = time.GetUtcNow();
        var before = serviceCase.Status;
        serviceCase.Subject = request.Subject!.Trim();
        serviceCase.Description = request.Description;
        serviceCase.Priority = priority;
        serviceCase.OwnerAgentId = request.OwnerAgentId;
        serviceCase.SlaDueAt = request.SlaDueAt;
        serviceCase.Status = status;
        serviceCase.UpdatedAt = now;
        if (before != status)
        {
            serviceCase.ResolvedAt = status is CaseStatus.Resolved or CaseStatus.Closed ? serviceCase.ResolvedAt ?? now : null;
            serviceCase.ClosedAt = status == CaseStatus.Closed ? now : null;
        }
        // The row must still carry the version the client read: a write since then makes the UPDATE match nothing.
        db.Entry(serviceCase).Property(c => c.Version).OriginalValue = serviceCase.Version;
        db.AuditEntries.Add(ApiSupport.Audit(user, "case-update", serviceCase.CustomerId, now, ServiceCase.FormatNumber(serviceCase.Number)));
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return Stale(id);
        }
        SetETag(http, serviceCase.Version);
        return TypedResults.Ok(Details(serviceCase, now));
    }

    private static async Task<Results<Created<NoteView>, ValidationProblem, ProblemHttpResult>> AddNoteAsync(
        Guid id, NoteRequest? request, CrmDbContext db, TimeProvider time, ClaimsPrincipal user, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        CheckText(errors, "text", request?.Text, 4000, required: true);
        if (errors.Count > 0)
        {
            return ApiSupport.Invalid(errors);
        }
        var customerId = await db.Cases.Where(c => c.Id == id).Select(c => (Guid?)c.CustomerId).FirstOrDefaultAsync(ct);
        if (customerId is null)
        {
            return NoSuchCase(id);
        }
        var now = time.GetUtcNow();
        var note = new CaseNote { Id = Guid.CreateVersion7(now), CaseId = id, AuthorId = ApiSupport.Login(user), Text = request!.Text!, CreatedAt = now };
        db.CaseNotes.Add(note);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/cases/{id}", new NoteView(note.Id, note.AuthorId, note.Text, note.CreatedAt));
    }

    private static CaseDetails Details(ServiceCase c, DateTimeOffset now) => new(
        Wire.ToView(c, now),
        [.. c.Notes.OrderBy(n => n.CreatedAt).ThenBy(n => n.Id).Select(n => new NoteView(n.Id, n.AuthorId, n.Text, n.CreatedAt))]);

    private static void CheckText(Dictionary<string, string[]> errors, string field, string? value, int max, bool required)
    {
        if (required && string.IsNullOrWhiteSpace(value))
        {
            errors[field] = [$"{field} is required."];
        }
        else if (value is not null && value.Length > max)
        {
            errors[field] = [$"{field} must be at most {max} characters."];
        }
    }

    private static async Task CheckOwnerAsync(Dictionary<string, string[]> errors, CrmDbContext db, string? owner, CancellationToken ct)
    {
        if (owner is not null && !await db.People.AnyAsync(p => p.Login == owner && p.Active, ct))
        {
            errors["ownerAgentId"] = [$"No active agent has login '{owner}'."];
        }
    }

    internal static string ETag(byte[] version) => $"\"{Convert.ToHexStringLower(version)}\"";

    private static void SetETag(HttpContext http, byte[] version) => http.Response.Headers.ETag = ETag(version);

    private static bool Matches(string ifMatch, byte[] version)
    {
        var current = ETag(version);
        foreach (var tag in ifMatch.Split(','))
        {
            var t = tag.Trim();
            if (t == "*" || string.Equals(t.StartsWith("W/", StringComparison.Ordinal) ? t[2..] : t, current, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    private static ProblemHttpResult NoSuchCase(Guid id) =>
        ApiSupport.Problem(StatusCodes.Status404NotFound, "No such case.", $"No case has id {id}.");

    private static ProblemHttpResult Stale(Guid id) =>
        ApiSupport.Problem(StatusCodes.Status412PreconditionFailed, "The case changed since you read it.",
            $"Read /api/cases/{id} again, reapply your change and send the new ETag.");
}
