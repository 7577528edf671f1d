using ContactCenter.Contracts;
using ContactCenter.Crm.Customers;
using ContactCenter.Crm.Phones;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Crm.ScreenPop;

/// <summary>
/// Answers the IVR's IdentifyCaller with CallerIdentified. The CRM has no separate account field:
/// a customer's account number is a phone number on the customer's record, so keyed-in digits are
/// normalised to E.164 (like the caller's number) and looked up the same way. When an account number
/// is given it alone is used; otherwise the caller's number. Unknown or not a phone number → CustomerId null.
/// A system lookup (no person reads the record), so no audit entry, as on CallReceived.
/// </summary>
internal sealed class IdentifyCallerRequestConsumer(
    Customer360Query query,
    PhoneNumberNormalizer phones,
    TimeProvider time,
    ILogger<IdentifyCallerRequestConsumer> logger) : IConsumer<IdentifyCaller>
{
    public async Task Consume(ConsumeContext<IdentifyCaller> context)
    {
        var request = context.Message;
        var byAccount = !string.IsNullOrWhiteSpace(request.AccountNumber);
        var key = byAccount ? request.AccountNumber : request.Caller;
        Customer360? view = null;
        if (phones.TryNormalize(key, out var e164))
        {
            view = await query.ByPhoneAsync(e164, request.CallId, context.CancellationToken);
        }
        logger.LogInformation(
            "IVR identify for call {CallId} by {By} {Key}: {Customer}",
            request.CallId, byAccount ? "account" : "caller", e164 ?? key, view?.Customer.Name ?? "unknown");
        await context.RespondAsync(IdentifyCallerConsumer.ToCallerIdentified(request.CallId, view, time.GetUtcNow()));
    }
}

internal sealed class IdentifyCallerRequestDefinition()
    : CrmConsumerDefinition<IdentifyCallerRequestConsumer>("crm-identify-caller-request", 16);
