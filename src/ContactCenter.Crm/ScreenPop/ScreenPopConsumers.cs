using ContactCenter.Contracts;
using ContactCenter.Crm.Customers;
using ContactCenter.Crm.Data;
using ContactCenter.Crm.Interactions;
using ContactCenter.Crm.Phones;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Crm.ScreenPop;

/// <summary>On CallReceived: identify the caller by number, tell routing, warm the customer-360.</summary>
internal sealed class IdentifyCallerConsumer(
    Customer360Query query,
    PhoneNumberNormalizer phones,
    ScreenPopCache cache,
    TimeProvider time,
    ILogger<IdentifyCallerConsumer> logger) : IConsumer<CallReceived>
{
    public async Task Consume(ConsumeContext<CallReceived> context)
    {
        var call = context.Message;
        Customer360? view = null;
        var caller = call.Caller;
        if (phones.TryNormalize(call.Caller, out var e164))
        {
            caller = e164;
            view = await query.ByPhoneAsync(e164, call.CallId, context.CancellationToken);
        }
        cache.Put(call.CallId, new WarmPop(caller, view));
        logger.LogInformation("Call {CallId} from {Caller}: {Customer}", call.CallId, caller, view?.Customer.Name ?? "new caller");
        await context.Publish(ToCallerIdentified(call.CallId, view, time.GetUtcNow()), context.CancellationToken);
    }

    /// <summary>What routing (and the IVR) learn about a caller from the customer-360, or a new caller when null.</summary>
    internal static CallerIdentified ToCallerIdentified(Guid callId, Customer360? view, DateTimeOffset now) => new()
    {
        CallId = callId,
        CustomerId = view?.Customer.Id,
        CustomerName = view?.Customer.Name,
        Tier = view is null ? CustomerTier.Standard : Enum.Parse<CustomerTier>(view.Customer.Tier, ignoreCase: true),
        Language = view?.Customer.Language,
        // Open cases come most urgent first: the first owned one names the preferred agent.
        PreferredAgentId = view?.OpenCases.FirstOrDefault(c => c.OwnerAgentId is not null)?.OwnerAgentId,
        OccurredAt = now,
    };
}

/// <summary>On AgentReserved: publish the pop for the agent's desktop from the warm customer-360.</summary>
internal sealed class ScreenPopConsumer(
    Customer360Query query,
    PhoneNumberNormalizer phones,
    ScreenPopCache cache,
    InteractionWriter writer,
    CrmDbContext db,
    TimeProvider time) : IConsumer<AgentReserved>
{
    public async Task Consume(ConsumeContext<AgentReserved> context)
    {
        var call = context.Message;
        var warm = cache.Get(call.CallId);
        if (warm is null)
        {
            // Not warmed here (another instance took CallReceived, or the cache expired): read it now.
            Customer360? view = null;
            var caller = call.Caller;
            if (phones.TryNormalize(call.Caller, out var e164))
            {
                caller = e164;
                view = await query.ByPhoneAsync(e164, call.CallId, context.CancellationToken);
            }
            warm = new WarmPop(caller, view);
        }
        var now = time.GetUtcNow();
        var c = warm.View;
        int? voicemailSeconds = null;
        if (call.Offer == OfferKind.Voicemail)
        {
            // The work item's row holds the message (from its CallQueued, usually recorded by now; the length is a nicety).
            voicemailSeconds = await db.Interactions.AsNoTracking().Where(i => i.CallId == call.CallId)
                .Select(i => i.VoicemailSeconds).FirstOrDefaultAsync(context.CancellationToken);
        }
        await context.Publish(new ScreenPopReady
        {
            CallId = call.CallId,
            AgentId = call.AgentId,
            Caller = warm.Caller,
            Queue = call.Queue,
            IvrPath = call.IvrPath,
            Waited = call.Waited,
            IsCallback = call.IsCallback,
            Offer = call.Offer,
            OfferExpiresAt = call.OfferExpiresAt,
            VoicemailCallId = call.Offer == OfferKind.Voicemail ? call.CallId : null,
            VoicemailSeconds = voicemailSeconds,
            Customer = c is null ? null : new CustomerCard
            {
                Id = c.Customer.Id,
                Name = c.Customer.Name,
                Tier = Enum.Parse<CustomerTier>(c.Customer.Tier, ignoreCase: true),
                Language = c.Customer.Language,
                DoNotCall = c.Customer.DoNotCall,
                Notes = c.Customer.Notes,
            },
            RecentInteractions = c is null ? [] : [.. c.RecentInteractions.Select(i => new InteractionSummary
            {
                CallId = i.CallId,
                StartedAt = i.StartedAt,
                Queue = i.Queue,
                AgentId = i.AgentId,
                Outcome = i.Outcome is null ? null : Enum.Parse<CallOutcome>(i.Outcome, ignoreCase: true),
                Disposition = i.Disposition,
                Notes = i.Notes,
                HasVoicemail = i.VoicemailPath is not null,
                VoicemailSeconds = i.VoicemailSeconds,
                Transcript = i.Transcript,
            })],
            TotalInteractions = c?.Totals.Interactions ?? 0,
            OpenCases = c is null ? [] : [.. c.OpenCases.Select(k => new CaseSummary
            {
                Id = k.Id,
                Number = k.Number,
                Subject = k.Subject,
                Status = k.Status,
                Priority = k.Priority,
                OwnerAgentId = k.OwnerAgentId,
                OpenedAt = k.OpenedAt,
                SlaDueAt = k.SlaDueAt,
            })],
            OccurredAt = now,
        }, context.CancellationToken);
        if (c is not null)
        {
            // The agent is about to see the customer's record: that is a read by a person. Written after the pop is
            // on its way, so the pop never waits for a database write (a retry re-publishes it; the desktop ignores
            // a pop it already has for the call).
            await writer.AuditAsync(new AuditEntry
            {
                At = now,
                Actor = call.AgentId,
                Action = "screen-pop",
                CustomerId = c.Customer.Id,
                Detail = $"call {call.CallId}",
            }, context.CancellationToken);
        }
    }
}

internal sealed class IdentifyCallerDefinition() : CrmConsumerDefinition<IdentifyCallerConsumer>("crm-identify-caller", 16);

/// <summary>64 in flight: a pop is published at once, then its consumer waits (holding no thread) for the audit row's commit.</summary>
internal sealed class ScreenPopDefinition() : CrmConsumerDefinition<ScreenPopConsumer>("crm-screen-pop", 64);
