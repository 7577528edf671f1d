using ContactCenter.Contracts;
using ContactCenter.Crm.Data;
using ContactCenter.Crm.Phones;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Crm.Interactions;

/// <summary>
/// A callback given up after its last attempt (busy, no answer, failed) is never dropped silently: besides its row in
/// the history, it becomes a note on the customer's most urgent open case, so whoever works the case sees the promise
/// that could not be kept. Idempotent: the note's id is the attempt's call id.
/// </summary>
internal sealed class CallbackGivenUpConsumer(
    CrmDbContext db,
    PhoneNumberNormalizer phones,
    TimeProvider time,
    ILogger<CallbackGivenUpConsumer> logger) : IConsumer<CallEnded>
{
    public async Task Consume(ConsumeContext<CallEnded> context)
    {
        var m = context.Message;
        if (!IsGivenUp(m) || !phones.TryNormalize(m.Dialled, out var e164))
        {
            return;
        }

        var ct = context.CancellationToken;
        if (await db.CaseNotes.AnyAsync(n => n.Id == m.CallId, ct))
        {
            return; // redelivered
        }

        var customerId = await db.CustomerPhones.Where(p => p.E164 == e164).Select(p => (Guid?)p.CustomerId).FirstOrDefaultAsync(ct);
        if (customerId is null)
        {
            return;
        }

        var open = await db.Cases
            .Where(c => c.CustomerId == customerId && (c.Status == CaseStatus.Open || c.Status == CaseStatus.Pending))
            .OrderByDescending(c => c.Priority).ThenBy(c => c.OpenedAt)
            .Select(c => (Guid?)c.Id)
            .FirstOrDefaultAsync(ct);
        if (open is not { } caseId)
        {
            return;
        }

        db.CaseNotes.Add(new CaseNote
        {
            Id = m.CallId,
            CaseId = caseId,
            AuthorId = "system",
            Text = Describe(m),
            CreatedAt = time.GetUtcNow(),
        });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            if (await db.CaseNotes.AsNoTracking().AnyAsync(n => n.Id == m.CallId, ct))
            {
                return; // another delivery wrote it first
            }

            throw;
        }

        logger.LogInformation("Callback {CallId} to {Number} given up: noted on case {CaseId}", m.CallId, e164, caseId);
    }

    /// <summary>A callback attempt that did not reach the customer and after which no other will be made.</summary>
    internal static bool IsGivenUp(CallEnded m) =>
        m.Direction == CallDirection.Callback && m.RetryAt is null && m.Outcome is CallOutcome.Busy or CallOutcome.NoAnswer or CallOutcome.Failed;

    internal static string Describe(CallEnded m) =>
        $"Callback to {m.Dialled} given up after attempt {m.Attempt}: {m.Outcome.ToString().ToLowerInvariant()} ({m.Reason}).";
}

/// <summary>On the CRM's interaction endpoint, beside the history's own consumers.</summary>
internal sealed class CallbackGivenUpDefinition() : CrmConsumerDefinition<CallbackGivenUpConsumer>(InteractionEndpoint.Name, 16);
