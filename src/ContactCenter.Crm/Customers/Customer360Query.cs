using ContactCenter.Contracts;
using ContactCenter.Crm.Data;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.Extensions.Options;

namespace ContactCenter.Crm.Customers;

/// <summary>
/// The customer-360 in two statements whatever the history's size: the customer with its phones, open
/// cases (index CustomerId+Status) and lifetime figures (by id, or by phone through the unique E.164
/// index); the most recent interactions (index CustomerId+StartedAt). Projected, untracked,
/// EF-compiled (one set per model: a compiled query is bound to the model it first meets), on one
/// connection. On SQLite the statements run on a read context from <see cref="SqliteReadContexts"/>,
/// whose connection stays open and whose statements stay compiled between lookups; on SQL Server and PostgreSQL on the
/// request's pooled context (the server caches the plans).
/// </summary>
internal sealed class Customer360Query(
    CrmDbContext db, TimeProvider time, IOptions<CrmOptions> options, SqliteReadContexts? readContexts = null)
{
    private static readonly ConditionalWeakTable<IModel, CompiledQueries> PerModel = [];
    private readonly int recent = options.Value.RecentInteractions;

    private static CompiledQueries Queries(CrmDbContext context) => PerModel.GetValue(context.Model, _ => new CompiledQueries());

    public Task<Customer360?> ByIdAsync(Guid customerId, Guid excludeCallId, CancellationToken ct) =>
        RunAsync((context, now) => Queries(context).HeaderById(context, customerId, excludeCallId, now, ct), excludeCallId, ct);

    public Task<Customer360?> ByPhoneAsync(string e164, Guid excludeCallId, CancellationToken ct) =>
        RunAsync((context, now) => Queries(context).HeaderByPhone(context, e164, excludeCallId, now, ct), excludeCallId, ct);

    private async Task<Customer360?> RunAsync(
        Func<CrmDbContext, DateTimeOffset, Task<Header?>> header, Guid excludeCallId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (readContexts is not null)
        {
            var context = await readContexts.RentAsync(ct);
            try
            {
                return await ReadAsync(context, header, excludeCallId, now, ct);
            }
            finally
            {
                readContexts.Return(context);
            }
        }
        // One connection for both statements instead of two opens from the pool.
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            return await ReadAsync(db, header, excludeCallId, now, ct);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private async Task<Customer360?> ReadAsync(
        CrmDbContext context, Func<CrmDbContext, DateTimeOffset, Task<Header?>> headerQuery, Guid excludeCallId, DateTimeOffset now, CancellationToken ct)
    {
        var header = await headerQuery(context, now);
        return header is null ? null : await CompleteAsync(context, header, excludeCallId, ct);
    }

    private async Task<Customer360> CompleteAsync(CrmDbContext context, Header header, Guid excludeCallId, CancellationToken ct)
    {
        var queries = Queries(context);
        var cases = new List<CaseView>(header.OpenCases.Count);
        var breaching = 0;
        foreach (var c in header.OpenCases)
        {
            cases.Add(c with { Status = c.Status.ToLowerInvariant(), Priority = c.Priority.ToLowerInvariant() });
            breaching += c.SlaBreached ? 1 : 0;
        }
        var interactions = new List<InteractionView>(Math.Min(recent, header.Interactions));
        if (header.Interactions > 0)
        {
            await foreach (var i in queries.Recent(context, header.Id, excludeCallId, recent).WithCancellation(ct))
            {
                interactions.Add(i.Outcome is null ? i : i with { Outcome = i.Outcome.ToLowerInvariant() });
            }
        }
        var customer = new CustomerView(
            header.Id, header.Name, Wire.Name(header.Tier), header.Language, header.Email,
            Wire.Name(header.PreferredContact), header.DoNotCall, header.Notes, header.Phones, header.CreatedAt);
        return new Customer360(
            customer,
            cases,
            interactions,
            new Customer360Totals(header.Interactions, header.LastContactAt, cases.Count, breaching));
    }

    private sealed class Header
    {
        public Guid Id { get; init; }
        public required string Name { get; init; }
        public CustomerTier Tier { get; init; }
        public string? Language { get; init; }
        public string? Email { get; init; }
        public ContactChannel PreferredContact { get; init; }
        public bool DoNotCall { get; init; }
        public string? Notes { get; init; }
        public DateTimeOffset CreatedAt { get; init; }
        public required List<string> Phones { get; init; }
        public int Interactions { get; init; }
        public DateTimeOffset? LastContactAt { get; init; }
        /// <summary>Open and pending cases, most urgent first (SQL CAST/CASE names, lower-cased on the way out).</summary>
        public required List<CaseView> OpenCases { get; init; }
    }

    private sealed class CompiledQueries
    {
        public Func<CrmDbContext, Guid, Guid, DateTimeOffset, CancellationToken, Task<Header?>> HeaderById { get; } =
            EF.CompileAsyncQuery((CrmDbContext db, Guid id, Guid exclude, DateTimeOffset now, CancellationToken ct) =>
                db.Customers.AsNoTracking()
                    .Where(c => c.Id == id)
                    .Select(c => new Header
                    {
                        Id = c.Id,
                        Name = c.Name,
                        Tier = c.Tier,
                        Language = c.Language,
                        Email = c.Email,
                        PreferredContact = c.PreferredContact,
                        DoNotCall = c.DoNotCall,
                        Notes = c.Notes,
                        CreatedAt = c.CreatedAt,
                        Phones = c.Phones.OrderBy(p => p.E164).Select(p => p.E164).ToList(),
                        Interactions = c.Interactions.Count(i => i.CallId != exclude),
                        LastContactAt = c.Interactions.Where(i => i.CallId != exclude).Max(i => (DateTimeOffset?)i.StartedAt),
                        OpenCases = c.Cases
                        .Where(k => k.Status == CaseStatus.Open || k.Status == CaseStatus.Pending)
                        .OrderByDescending(k => k.Priority)
                        .ThenBy(k => k.SlaDueAt == null)
                        .ThenBy(k => k.SlaDueAt)
                        .ThenBy(k => k.OpenedAt)
                        .Select(k => new CaseView(
                            k.Id, ServiceCase.FormatNumber(k.Number), k.CustomerId,
                            k.Subject, k.Description, k.Status.ToString(), k.Priority.ToString(), k.OwnerAgentId, k.SlaDueAt,
                            k.SlaDueAt < now, k.OpenedAt, k.UpdatedAt, k.ResolvedAt, k.ClosedAt))
                        .ToList(),
                    })
                    .AsSingleQuery()
                    .FirstOrDefault());

        public Func<CrmDbContext, string, Guid, DateTimeOffset, CancellationToken, Task<Header?>> HeaderByPhone { get; } =
            EF.CompileAsyncQuery((CrmDbContext db, string e164, Guid exclude, DateTimeOffset now, CancellationToken ct) =>
                (from p in db.CustomerPhones
                 where p.E164 == e164
                 join c in db.Customers on p.CustomerId equals c.Id
                 select new Header
                 {
                     Id = c.Id,
                     Name = c.Name,
                     Tier = c.Tier,
                     Language = c.Language,
                     Email = c.Email,
                     PreferredContact = c.PreferredContact,
                     DoNotCall = c.DoNotCall,
                     Notes = c.Notes,
                     CreatedAt = c.CreatedAt,
                     Phones = c.Phones.OrderBy(x => x.E164).Select(x => x.E164).ToList(),
                     Interactions = c.Interactions.Count(i => i.CallId != exclude),
                     LastContactAt = c.Interactions.Where(i => i.CallId != exclude).Max(i => (DateTimeOffset?)i.StartedAt),
                     OpenCases = c.Cases
                          .Where(k => k.Status == CaseStatus.Open || k.Status == CaseStatus.Pending)
                          .OrderByDescending(k => k.Priority)
                          .ThenBy(k => k.SlaDueAt == null)
                          .ThenBy(k => k.SlaDueAt)
                          .ThenBy(k => k.OpenedAt)
                          .Select(k => new CaseView(
                              k.Id, ServiceCase.FormatNumber(k.Number), k.CustomerId,
                              k.Subject, k.Description, k.Status.ToString(), k.Priority.ToString(), k.OwnerAgentId, k.SlaDueAt,
                              k.SlaDueAt < now, k.OpenedAt, k.UpdatedAt, k.ResolvedAt, k.ClosedAt))
                          .ToList(),
                 })
                .AsNoTracking()
                .AsSingleQuery()
                .FirstOrDefault());

        public Func<CrmDbContext, Guid, Guid, int, IAsyncEnumerable<InteractionView>> Recent { get; } =
            EF.CompileAsyncQuery((CrmDbContext db, Guid id, Guid exclude, int take) =>
                db.Interactions.AsNoTracking()
                    .Where(i => i.CustomerId == id && i.CallId != exclude)
                    .OrderByDescending(i => i.StartedAt)
                    .Take(take)
                    .Select(i => new InteractionView(
                        i.CallId, i.StartedAt, i.Caller, i.Did, i.IvrPath, i.Queue, i.AgentId,
                        i.Outcome == null ? null : i.Outcome.ToString(), i.AnsweredAt, i.EndedAt, i.WaitSeconds,
                        i.TalkSeconds, i.WrapUpSeconds, i.Disposition, i.Notes, i.CaseId, i.RecordingPath,
                        i.VoicemailPath, i.VoicemailSeconds, i.VoicemailNote, i.Transcript,
                        i.Direction == CallDirection.Inbound ? "inbound" : i.Direction == CallDirection.Outbound ? "outbound" : "callback",
                        i.Dialled, i.CallbackOf, i.CallbackRequestedAt, i.CallbackAttempts, i.CallbackRetryAt, i.EndReason, i.TakenOverFrom)));
    }
}
