using System.Security.Claims;
using ContactCenter.Contracts;
using ContactCenter.Crm.Data;
using ContactCenter.Crm.Phones;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace ContactCenter.Crm.Customers;

/// <summary>Customers: search, create, the customer-360, the history. Every read by a person is audited.</summary>
internal static class CustomersApi
{
    public static void MapCustomersApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/customers").WithTags("Customers").WithGroupName(CrmModule.OpenApiDocument)
            .RequireAuthorization("agent");
        api.MapGet("/", SearchAsync).WithName("SearchCustomers");
        api.MapPost("/", CreateAsync).WithName("CreateCustomer");
        api.MapGet("/{id:guid}", GetAsync).WithName("GetCustomer360");
        api.MapGet("/{id:guid}/interactions", InteractionsAsync).WithName("GetCustomerInteractions");
    }

    internal sealed record CustomerSummary(Guid Id, string Name, string Tier, IReadOnlyList<string> Phones);

    internal sealed record CreateCustomerRequest(
        string? Name,
        string? Tier,
        string? Language,
        string? Email,
        string? PreferredContact,
        bool? DoNotCall,
        string? Notes,
        IReadOnlyList<string>? Phones);

    private static async Task<Results<Ok<PageOf<CustomerSummary>>, ValidationProblem>> SearchAsync(
        string? phone, string? q, int? page, int? pageSize,
        CrmDbContext db, PhoneNumberNormalizer phones, TimeProvider time, ClaimsPrincipal user, CancellationToken ct)
    {
        var errors = ApiSupport.CheckPaging(page, pageSize, out var p, out var size);
        string? e164 = null;
        if (!string.IsNullOrWhiteSpace(phone) && !phones.TryNormalize(phone, out e164))
        {
            errors["phone"] = [$"'{phone}' is not a phone number."];
        }
        if (q is { Length: > 200 })
        {
            errors["q"] = ["q must be at most 200 characters."];
        }
        if (errors.Count > 0)
        {
            return ApiSupport.Invalid(errors);
        }
        var query = db.Customers.AsNoTracking();
        if (e164 is not null)
        {
            query = query.Where(c => db.CustomerPhones.Where(x => x.E164 == e164).Select(x => x.CustomerId).Contains(c.Id));
        }
        if (!string.IsNullOrWhiteSpace(q))
        {
            var pattern = "%" + q.Trim().Replace("\\", "\\\\", StringComparison.Ordinal)
                .Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%";
            query = db.NameLike(query, pattern);
        }
        var total = await query.CountAsync(ct);
        var rows = await query.OrderBy(c => c.Name).ThenBy(c => c.Id)
            .Skip((p - 1) * size).Take(size)
            .Select(c => new { c.Id, c.Name, c.Tier, Phones = c.Phones.OrderBy(x => x.E164).Select(x => x.E164).ToList() })
            .ToListAsync(ct);
        var now = time.GetUtcNow();
        foreach (var row in rows)
        {
            db.AuditEntries.Add(ApiSupport.Audit(user, "search", row.Id, now));
        }
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(new PageOf<CustomerSummary>(
            [.. rows.Select(r => new CustomerSummary(r.Id, r.Name, Wire.Name(r.Tier), r.Phones))], p, size, total));
    }

    private static async Task<Results<Created<CustomerView>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        CreateCustomerRequest? request, CrmDbContext db, PhoneNumberNormalizer phones, TimeProvider time, ClaimsPrincipal user,
        CancellationToken ct)
    {
        if (request is null)
        {
            return ApiSupport.Invalid("body", "A customer is required.");
        }
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Trim().Length > 200)
        {
            errors["name"] = ["name is required, at most 200 characters."];
        }
        var tier = CustomerTier.Standard;
        if (request.Tier is not null && !Wire.TryParse(request.Tier, out tier))
        {
            errors["tier"] = [$"tier must be one of {Wire.Names<CustomerTier>()}."];
        }
        var channel = ContactChannel.Phone;
        if (request.PreferredContact is not null && !Wire.TryParse(request.PreferredContact, out channel))
        {
            errors["preferredContact"] = [$"preferredContact must be one of {Wire.Names<ContactChannel>()}."];
        }
        if (request.Language is { Length: > 16 })
        {
            errors["language"] = ["language must be a language tag such as en or fr-CA."];
        }
        if (request.Email is not null && (request.Email.Length > 254 || !request.Email.Contains('@', StringComparison.Ordinal)))
        {
            errors["email"] = ["email is not an e-mail address."];
        }
        if (request.Notes is { Length: > 4000 })
        {
            errors["notes"] = ["notes must be at most 4000 characters."];
        }
        var numbers = new List<string>();
        var given = request.Phones ?? [];
        for (var i = 0; i < given.Count; i++)
        {
            if (!phones.TryNormalize(given[i], out var e164))
            {
                errors[$"phones[{i}]"] = [$"'{given[i]}' is not a phone number."];
            }
            else if (!numbers.Contains(e164))
            {
                numbers.Add(e164);
            }
        }
        if (errors.Count > 0)
        {
            return ApiSupport.Invalid(errors);
        }
        var taken = await db.CustomerPhones.AsNoTracking().Where(x => numbers.Contains(x.E164)).Select(x => x.E164).ToListAsync(ct);
        if (taken.Count > 0)
        {
            return ApiSupport.Problem(StatusCodes.Status409Conflict, "Phone number already belongs to a customer.",
                $"{string.Join(", ", taken)} is already on record; search by phone to find that customer.");
        }
        var now = time.GetUtcNow();
        var customer = new Customer
        {
            Id = Guid.CreateVersion7(now),
            Name = request.Name!.Trim(),
            Tier = tier,
            Language = request.Language?.Trim(),
            Email = request.Email?.Trim(),
            PreferredContact = channel,
            DoNotCall = request.DoNotCall ?? false,
            Notes = request.Notes,
            CreatedAt = now,
            UpdatedAt = now,
            Phones = [.. numbers.Select(n => new CustomerPhone { Id = Guid.CreateVersion7(now), E164 = n })],
        };
        db.Customers.Add(customer);
        db.AuditEntries.Add(ApiSupport.Audit(user, "create", customer.Id, now));
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // A concurrent create took one of the numbers between the check and the insert.
            return ApiSupport.Problem(StatusCodes.Status409Conflict, "Phone number already belongs to a customer.");
        }
        var view = new CustomerView(customer.Id, customer.Name, Wire.Name(customer.Tier), customer.Language, customer.Email,
            Wire.Name(customer.PreferredContact), customer.DoNotCall, customer.Notes, numbers, now);
        return TypedResults.Created($"/api/customers/{customer.Id}", view);
    }

    private static async Task<Results<Ok<Customer360>, ProblemHttpResult>> GetAsync(
        Guid id, Customer360Query query, CrmDbContext db, TimeProvider time, ClaimsPrincipal user, CancellationToken ct)
    {
        var view = await query.ByIdAsync(id, Guid.Empty, ct);
        if (view is null)
        {
            return ApiSupport.Problem(StatusCodes.Status404NotFound, "No such customer.", $"No customer has id {id}.");
        }
        db.AuditEntries.Add(ApiSupport.Audit(user, "read", id, time.GetUtcNow()));
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(view);
    }

    private static async Task<Results<Ok<PageOf<InteractionView>>, ValidationProblem, ProblemHttpResult>> InteractionsAsync(
        Guid id, int? page, int? pageSize, CrmDbContext db, TimeProvider time, ClaimsPrincipal user, CancellationToken ct)
    {
        var errors = ApiSupport.CheckPaging(page, pageSize, out var p, out var size);
        if (errors.Count > 0)
        {
            return ApiSupport.Invalid(errors);
        }
        if (!await db.Customers.AnyAsync(c => c.Id == id, ct))
        {
            return ApiSupport.Problem(StatusCodes.Status404NotFound, "No such customer.", $"No customer has id {id}.");
        }
        var history = db.Interactions.AsNoTracking().Where(i => i.CustomerId == id);
        var total = await history.CountAsync(ct);
        var rows = await history.OrderByDescending(i => i.StartedAt).ThenByDescending(i => i.CallId)
            .Skip((p - 1) * size).Take(size).ToListAsync(ct);
        db.AuditEntries.Add(ApiSupport.Audit(user, "read-history", id, time.GetUtcNow(), $"page {p}"));
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(new PageOf<InteractionView>([.. rows.Select(Wire.ToView)], p, size, total));
    }
}
