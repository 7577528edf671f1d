using ContactCenter.Contracts;
using ContactCenter.Crm.Data;
using ContactCenter.Crm.Interactions;
using ContactCenter.Crm.Phones;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Crm.Customers;

/// <summary>
/// Answers the desktop's <see cref="CheckOutboundNumber"/> before an agent's call is placed: the CRM owns customers, their
/// numbers and the do-not-call flag, so it alone decides. Refused when the customer the agent dials from, or any customer who
/// has the number, asked not to be called, or when a given customer does not exist. A number no customer has may be called.
/// </summary>
internal sealed class CheckOutboundNumberConsumer(
    CrmDbContext db,
    PhoneNumberNormalizer phones,
    InteractionRecorder recorder,
    TimeProvider time,
    ILogger<CheckOutboundNumberConsumer> logger) : IConsumer<CheckOutboundNumber>
{
    public async Task Consume(ConsumeContext<CheckOutboundNumber> context)
    {
        var request = context.Message;
        var ct = context.CancellationToken;
        var (allowed, reason, customerId, name) = await DecideAsync(request, ct);
        logger.LogInformation("Outbound {CallId} by {AgentId} to {Number}: {Decision}", request.CallId, request.AgentId, request.Number,
            allowed ? "allowed" : "refused: " + reason);
        var now = time.GetUtcNow();
        if (!allowed)
        {
            // The refusal is part of the customer's history: a failed outbound interaction saying why (before the answer, so an
            // agent who looks at the customer next sees it).
            await recorder.RecordRefusedAsync(request.CallId, request.AgentId, request.Number, customerId, reason ?? "refused", now, ct);
        }
        await context.RespondAsync(new OutboundNumberChecked
        {
            CallId = request.CallId,
            Allowed = allowed,
            Reason = reason,
            CustomerId = customerId,
            CustomerName = name,
            OccurredAt = now,
        });
    }

    private async Task<(bool Allowed, string? Reason, Guid? CustomerId, string? Name)> DecideAsync(CheckOutboundNumber request, CancellationToken ct)
    {
        if (request.CustomerId is { } id)
        {
            var given = await db.Customers.AsNoTracking().Where(c => c.Id == id)
                .Select(c => new { c.Id, c.Name, c.DoNotCall }).FirstOrDefaultAsync(ct);
            if (given is null)
            {
                return (false, "unknown customer", null, null);
            }

            if (given.DoNotCall)
            {
                return (false, $"{given.Name} asked not to be called (do not call)", given.Id, given.Name);
            }
        }

        if (!phones.TryNormalize(request.Number, out var e164))
        {
            // Not a number the CRM can match (an extension, a short code): no customer's wish applies to it.
            return (true, null, request.CustomerId, null);
        }

        var owners = await db.CustomerPhones.AsNoTracking().Where(p => p.E164 == e164)
            .Join(db.Customers.AsNoTracking(), p => p.CustomerId, c => c.Id, (p, c) => new { c.Id, c.Name, c.DoNotCall })
            .ToListAsync(ct);
        var barred = owners.Find(o => o.DoNotCall);
        if (barred is not null)
        {
            return (false, $"{barred.Name} asked not to be called (do not call)", barred.Id, barred.Name);
        }

        var owner = request.CustomerId is { } wanted ? owners.Find(o => o.Id == wanted) ?? owners.FirstOrDefault() : owners.FirstOrDefault();
        return (true, null, request.CustomerId ?? owner?.Id, owner?.Name);
    }
}

internal sealed class CheckOutboundNumberDefinition()
    : CrmConsumerDefinition<CheckOutboundNumberConsumer>("crm-check-outbound-number", 16);
