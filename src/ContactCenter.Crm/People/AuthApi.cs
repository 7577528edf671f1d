using ContactCenter.Crm.Data;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace ContactCenter.Crm.People;

/// <summary>Sign-in: <c>POST /api/auth/token</c> {login, password} → {token}.</summary>
internal static class AuthApi
{
    public static void MapAuthApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/auth").WithTags("Auth").WithGroupName(CrmModule.OpenApiDocument).AllowAnonymous();
        api.MapPost("/token", IssueTokenAsync).WithName("IssueToken");
    }

    internal sealed record TokenRequest(string? Login, string? Password);

    internal sealed record TokenResponse(string Token);

    private static async Task<Results<Ok<TokenResponse>, ValidationProblem, ProblemHttpResult>> IssueTokenAsync(
        TokenRequest? request, CrmDbContext db, TokenIssuer issuer, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request?.Login))
        {
            errors["login"] = ["login is required."];
        }
        if (string.IsNullOrEmpty(request?.Password))
        {
            errors["password"] = ["password is required."];
        }
        if (errors.Count > 0)
        {
            return ApiSupport.Invalid(errors);
        }
        var login = PeopleDirectory.NormalizeLogin(request!.Login);
        var person = login is null ? null : await db.People.AsNoTracking().FirstOrDefaultAsync(p => p.Login == login, ct);
        if (!Credentials.Verify(person, request.Password!))
        {
            return ApiSupport.Problem(StatusCodes.Status401Unauthorized, "Wrong login or password.");
        }
        return TypedResults.Ok(new TokenResponse(issuer.Issue(person!)));
    }
}
