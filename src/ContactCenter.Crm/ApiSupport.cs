using System.Security.Claims;
using ContactCenter.Crm.Data;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ContactCenter.Crm;

/// <summary>Small helpers shared by the CRM's minimal APIs.</summary>
internal static class ApiSupport
{
    public const int MaxPageSize = 100;

    /// <summary>The signed-in person's login (the token's <c>sub</c>).</summary>
    public static string Login(ClaimsPrincipal user) =>
        user.FindFirstValue("sub") ?? user.FindFirstValue(ClaimTypes.NameIdentifier) ?? user.Identity?.Name ?? "unknown";

    public static ProblemHttpResult Problem(int status, string title, string? detail = null) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail);

    public static ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });

    public static ValidationProblem Invalid(Dictionary<string, string[]> errors) => TypedResults.ValidationProblem(errors);

    /// <summary>Checks page/pageSize; returns the errors (empty when fine).</summary>
    public static Dictionary<string, string[]> CheckPaging(int? page, int? pageSize, out int p, out int size)
    {
        var errors = new Dictionary<string, string[]>();
        p = page ?? 1;
        size = pageSize ?? 20;
        if (p < 1)
        {
            errors["page"] = ["page must be 1 or more."];
        }
        if (size is < 1 or > MaxPageSize)
        {
            errors["pageSize"] = [$"pageSize must be between 1 and {MaxPageSize}."];
        }
        return errors;
    }

    public static AuditEntry Audit(ClaimsPrincipal user, string action, Guid customerId, DateTimeOffset at, string? detail = null) => new()
    {
        At = at,
        Actor = Login(user),
        Action = action,
        CustomerId = customerId,
        Detail = detail,
    };
}

/// <summary>A page of results.</summary>
internal sealed record PageOf<T>(IReadOnlyList<T> Items, int Page, int PageSize, int Total);
