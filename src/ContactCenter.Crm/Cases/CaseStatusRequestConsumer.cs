using System.Globalization;
using ContactCenter.Contracts;
using ContactCenter.Crm.Customers;
using ContactCenter.Crm.Data;
using ContactCenter.Crm.Phones;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Crm.Cases;

/// <summary>
/// Answers the IVR's GetCaseStatus with CaseStatusResult: the case with the keyed-in number
/// (<c>123</c>, <c>000123</c> or <c>CS-000123</c>), else the latest opened case of the customer
/// (CustomerId, or the customer found by the caller's number). When CustomerId is given, a keyed-in
/// case of another customer is not disclosed (Found false). A system lookup: no audit entry.
/// </summary>
internal sealed class CaseStatusRequestConsumer(
    CrmDbContext db,
    PhoneNumberNormalizer phones,
    TimeProvider time,
    ILogger<CaseStatusRequestConsumer> logger) : IConsumer<GetCaseStatus>
{
    private sealed record Hit(int Number, CaseStatus Status, Guid CustomerId);

    public async Task Consume(ConsumeContext<GetCaseStatus> context)
    {
        var request = context.Message;
        var ct = context.CancellationToken;
        Hit? hit = null;
        if (!string.IsNullOrWhiteSpace(request.CaseNumber))
        {
            if (TryParseCaseNumber(request.CaseNumber, out var number))
            {
                hit = await db.Cases.AsNoTracking()
                    .Where(c => c.Number == number)
                    .Select(c => new Hit(c.Number, c.Status, c.CustomerId))
                    .FirstOrDefaultAsync(ct);
                if (hit is not null && request.CustomerId is { } owner && hit.CustomerId != owner)
                {
                    hit = null;
                }
            }
            else
            {
                logger.LogInformation("IVR case status for call {CallId}: {CaseNumber} is not a case number", request.CallId, request.CaseNumber);
            }
        }
        else
        {
            var customerId = request.CustomerId;
            if (customerId is null && phones.TryNormalize(request.Caller, out var e164))
            {
                customerId = await db.CustomerPhones.AsNoTracking()
                    .Where(p => p.E164 == e164)
                    .Select(p => (Guid?)p.CustomerId)
                    .FirstOrDefaultAsync(ct);
            }
            if (customerId is { } id)
            {
                hit = await db.Cases.AsNoTracking()
                    .Where(c => c.CustomerId == id)
                    .OrderByDescending(c => c.OpenedAt)
                    .ThenByDescending(c => c.Number)
                    .Select(c => new Hit(c.Number, c.Status, c.CustomerId))
                    .FirstOrDefaultAsync(ct);
            }
        }
        await context.RespondAsync(new CaseStatusResult
        {
            CallId = request.CallId,
            Found = hit is not null,
            CaseNumber = hit is null ? null : ServiceCase.FormatNumber(hit.Number),
            Status = hit is null ? null : Wire.Name(hit.Status),
            OccurredAt = time.GetUtcNow(),
        });
    }

    /// <summary>Reads <c>123</c>, <c>000123</c>, <c>CS-000123</c> (any case, spaces ignored) as 123; false for anything else.</summary>
    internal static bool TryParseCaseNumber(string? input, out int number)
    {
        number = 0;
        if (string.IsNullOrWhiteSpace(input) || input.Length > 32)
        {
            return false;
        }
        var text = input.Trim().Replace(" ", string.Empty, StringComparison.Ordinal);
        if (text.StartsWith("CS", StringComparison.OrdinalIgnoreCase))
        {
            text = text[2..].TrimStart('-');
        }
        return text.Length > 0
            && text.All(char.IsAsciiDigit)
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out number)
            && number > 0;
    }
}

internal sealed class CaseStatusRequestDefinition()
    : CrmConsumerDefinition<CaseStatusRequestConsumer>("crm-case-status-request", 16);
