using System.Security.Claims;
using ContactCenter.Crm.Customers;
using ContactCenter.Crm.Data;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Crm.People;

/// <summary>
/// Sign-in. <c>POST /api/auth/token</c> {login, password} → {token} for API clients; <c>POST /api/auth/session</c> signs a
/// browser in with the token in the <c>cc_token</c> cookie (HttpOnly, SameSite=Strict, Secure over HTTPS) and answers only who
/// signed in; <c>GET /api/auth/session</c> says who the cookie (or bearer token) is; <c>DELETE /api/auth/session</c> signs out.
/// Both sign-ins are limited per source address (the host's rate limiter, policy <see cref="RateLimitPolicy"/>) and lock a
/// login out after repeated failures (<see cref="SignInThrottle"/>); an unknown login and a wrong password get the same answer
/// after the same work.
/// </summary>
internal static class AuthApi
{
    /// <summary>The rate limiter policy the sign-in endpoints carry (registered by <see cref="CrmModule.AddCrm"/>).</summary>
    public const string RateLimitPolicy = "sign-in";

    /// <summary>The cookie the host's JWT handler reads for browsers.</summary>
    public const string CookieName = "cc_token";

    public static void MapAuthApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/auth").WithTags("Auth").WithGroupName(CrmModule.OpenApiDocument);
        api.MapPost("/token", IssueTokenAsync).WithName("IssueToken").AllowAnonymous().RequireRateLimiting(RateLimitPolicy);
        api.MapPost("/session", SignInAsync).WithName("SignIn").AllowAnonymous().RequireRateLimiting(RateLimitPolicy);
        api.MapGet("/session", Session).WithName("CurrentSession").RequireAuthorization("agent");
        api.MapDelete("/session", SignOut).WithName("SignOut").AllowAnonymous();
    }

    internal sealed record TokenRequest(string? Login, string? Password);

    internal sealed record TokenResponse(string Token);

    /// <summary>Who is signed in: never the token itself.</summary>
    internal sealed record SessionView(string Login, string Name, IReadOnlyList<string> Roles, DateTimeOffset ExpiresAt);

    private static async Task<Results<Ok<TokenResponse>, ValidationProblem, ProblemHttpResult>> IssueTokenAsync(
        TokenRequest? request, HttpContext http, CrmDbContext db, TokenIssuer issuer, SignInThrottle throttle, ILoggerFactory logs,
        CancellationToken ct)
    {
        var outcome = await VerifyAsync(request, http, db, throttle, logs, ct);
        if (outcome.Failure is { } failure)
        {
            return failure;
        }
        if (outcome.Invalid is { } invalid)
        {
            return invalid;
        }
        return TypedResults.Ok(new TokenResponse(issuer.Issue(outcome.Person!).Token));
    }

    private static async Task<Results<Ok<SessionView>, ValidationProblem, ProblemHttpResult>> SignInAsync(
        TokenRequest? request, HttpContext http, CrmDbContext db, TokenIssuer issuer, SignInThrottle throttle, ILoggerFactory logs,
        CancellationToken ct)
    {
        var outcome = await VerifyAsync(request, http, db, throttle, logs, ct);
        if (outcome.Failure is { } failure)
        {
            return failure;
        }
        if (outcome.Invalid is { } invalid)
        {
            return invalid;
        }
        var person = outcome.Person!;
        var (token, expires) = issuer.Issue(person);
        http.Response.Cookies.Append(CookieName, token, new CookieOptions
        {
            HttpOnly = true,
            Secure = http.Request.IsHttps,
            SameSite = SameSiteMode.Strict,
            Path = "/",
            Expires = expires,
            IsEssential = true,
        });
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(new SessionView(person.Login, person.DisplayName, [Wire.Name(person.Role)], expires));
    }

    private static Ok<SessionView> Session(ClaimsPrincipal user)
    {
        var login = ApiSupport.Login(user);
        var expires = long.TryParse(user.FindFirstValue("exp"), out var exp)
            ? DateTimeOffset.FromUnixTimeSeconds(exp)
            : DateTimeOffset.MaxValue;
        return TypedResults.Ok(new SessionView(
            login, user.FindFirstValue("name") ?? login, [.. user.FindAll("role").Select(r => r.Value)], expires));
    }

    private static NoContent SignOut(HttpContext http)
    {
        http.Response.Cookies.Delete(CookieName, new CookieOptions
        {
            HttpOnly = true,
            Secure = http.Request.IsHttps,
            SameSite = SameSiteMode.Strict,
            Path = "/",
        });
        return TypedResults.NoContent();
    }

    private readonly record struct Outcome(Person? Person, ProblemHttpResult? Failure, ValidationProblem? Invalid);

    private static async Task<Outcome> VerifyAsync(
        TokenRequest? request, HttpContext http, CrmDbContext db, SignInThrottle throttle, ILoggerFactory logs, CancellationToken ct)
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
            return new(null, null, ApiSupport.Invalid(errors));
        }
        // The throttle's key is the name as typed (normalised when it is a valid login), known or not: an unknown login is
        // locked out exactly like a known one, so a lockout tells nothing about who exists.
        var login = PeopleDirectory.NormalizeLogin(request!.Login);
        var typed = request.Login!.Trim().ToLowerInvariant();
        var throttleKey = login ?? (typed.Length <= 64 ? typed : typed[..64]);
        var address = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (throttle.LockedOut(throttleKey, address) is { } retryAfter)
        {
            http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return new(null, ApiSupport.Problem(StatusCodes.Status429TooManyRequests, "Too many failed sign-ins.",
                "Sign-in is locked for a while after repeated failures; try again later."), null);
        }
        var person = login is null ? null : await db.People.Include(p => p.SupervisedQueues).FirstOrDefaultAsync(p => p.Login == login, ct);
        var verdict = Credentials.Verify(person, request.Password!);
        if (verdict == Credentials.Verdict.Failed)
        {
            if (throttle.Failed(throttleKey, address))
            {
                logs.CreateLogger("ContactCenter.Crm.SignIn").LogWarning(
                    "Sign-in for {Login} locked after repeated failures (last from {Address})", throttleKey, address);
            }
            return new(null, ApiSupport.Problem(StatusCodes.Status401Unauthorized, "Wrong login or password."), null);
        }
        throttle.Succeeded(throttleKey, address);
        var changed = false;
        if (verdict == Credentials.Verdict.SucceededRehashNeeded)
        {
            // The stored hash has older parameters (fewer PBKDF2 iterations, an older format): store it again with today's.
            // The security stamp stays: the password is the same, so the person's other sessions stay valid.
            person!.PasswordHash = Credentials.HashPassword(request.Password!);
            changed = true;
        }
        if (string.IsNullOrEmpty(person!.SecurityStamp))
        {
            // A person from before security stamps (the migration left the column empty) gets one at their first sign-in.
            person.SecurityStamp = Person.NewSecurityStamp();
            changed = true;
        }
        if (changed)
        {
            await db.SaveChangesAsync(ct);
        }
        return new(person, null, null);
    }
}
