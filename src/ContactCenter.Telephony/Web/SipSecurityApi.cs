using System.Net;
using ContactCenter.Telephony.Gateway;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace ContactCenter.Telephony.Web;

/// <summary>A source blocked for guessing SIP passwords, as the supervisor's board shows it.</summary>
/// <param name="Address">Source address.</param>
/// <param name="BlockedAt">When it was blocked.</param>
/// <param name="Until">When the block lapses.</param>
/// <param name="Failures">Wrong digest answers that blocked it.</param>
/// <param name="LastUser">The user name it last tried.</param>
public sealed record SipBlockedSourceView(string Address, DateTimeOffset BlockedAt, DateTimeOffset Until, int Failures, string? LastUser);

/// <summary>A user name being guessed.</summary>
/// <param name="User">The user name.</param>
/// <param name="Failures">Wrong answers in the current window.</param>
/// <param name="Targeted">Over the per-user limit: every failing source is blocked at once.</param>
public sealed record SipTargetedUserView(string User, int Failures, bool Targeted);

/// <summary>The gateway's SIP brute-force protection now (GET /api/telephony/sip-security, supervisors).</summary>
public sealed record SipSecurityView(
    string GatewayId,
    long FailuresTotal,
    long BlocksTotal,
    long BlockedRequestsTotal,
    IReadOnlyList<SipBlockedSourceView> BlockedSources,
    IReadOnlyList<SipTargetedUserView> TargetedUsers);

/// <summary>
/// Supervisors see and lift the gateway's blocks: <c>GET /api/telephony/sip-security</c> (blocked sources, user names
/// being guessed, totals) and <c>DELETE /api/telephony/sip-security/blocked/{address}</c>.
/// </summary>
internal static class SipSecurityApi
{
    public const string Path = "/api/telephony/sip-security";

    public static void Map(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(Path).RequireAuthorization("supervisor");
        group.MapGet("", Get);
        group.MapDelete("/blocked/{address}", Unblock);
    }

    private static Results<Ok<SipSecurityView>, ProblemHttpResult> Get(SipGateway gateway, Microsoft.Extensions.Options.IOptions<GatewayOptions> options)
    {
        if (gateway.Sip?.AuthGuard is not { } guard)
        {
            return TypedResults.Problem("The gateway is not running or REGISTER is not authenticated.", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        return TypedResults.Ok(new SipSecurityView(
            options.Value.GatewayId,
            guard.FailuresTotal,
            guard.BlocksTotal,
            guard.BlockedRequestsTotal,
            [.. guard.GetBlockedSources().Select(b => new SipBlockedSourceView(b.Address.ToString(), b.BlockedAt, b.Until, b.Failures, b.LastUser))],
            [.. guard.GetTargetedUsers().Select(u => new SipTargetedUserView(u.User, u.Failures, u.Targeted))]));
    }

    private static Results<NoContent, NotFound, ValidationProblem> Unblock(string address, SipGateway gateway)
    {
        if (!IPAddress.TryParse(address, out var ip))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["address"] = ["not an IP address"] });
        }
        return gateway.Sip?.AuthGuard?.Unblock(ip) == true ? TypedResults.NoContent() : TypedResults.NotFound();
    }
}
