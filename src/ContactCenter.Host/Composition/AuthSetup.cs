using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.SignalR;
using Microsoft.IdentityModel.Tokens;

namespace ContactCenter.Host.Composition;

/// <summary>
/// Bearer tokens for every module: signed by the CRM's <c>/api/auth/token</c> (and <c>/api/auth/session</c>, which puts it in
/// the HttpOnly <c>cc_token</c> cookie for browsers) with <c>Auth:SigningKey</c>, validated here, and refused once their
/// person's security stamp has changed (<see cref="SecurityStamps"/>). Browsers carry the token in the cookie (also on the
/// WebSocket upgrades of the hubs and of <c>/sip</c>); other SignalR clients may send it in the <c>access_token</c> query string.
/// </summary>
internal static class AuthSetup
{
    public const string Issuer = "ContactCenter";
    public const string Audience = "ContactCenter";
    public const string CookieName = "cc_token";

    public static IServiceCollection AddContactCenterAuth(this IServiceCollection services, string signingKey)
    {
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(options =>
            {
                options.MapInboundClaims = false;
                options.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = Issuer,
                    ValidAudience = Audience,
                    IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(signingKey)),
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                    NameClaimType = "sub",
                    RoleClaimType = "role",
                    ClockSkew = TimeSpan.FromSeconds(30),
                };
                options.Events = new JwtBearerEvents
                {
                    OnMessageReceived = context =>
                    {
                        if (string.IsNullOrEmpty(context.Token))
                        {
                            var request = context.Request;
                            // Browsers cannot set headers on a WebSocket: SignalR and SIP over WebSocket (/sip) send the token in the query.
                            if ((request.Path.StartsWithSegments("/hubs") || request.Path.StartsWithSegments("/sip"))
                                && request.Query.TryGetValue("access_token", out var fromQuery))
                            {
                                context.Token = fromQuery;
                            }
                            else if (!request.Headers.Authorization.Any() && request.Cookies.TryGetValue(CookieName, out var fromCookie))
                            {
                                context.Token = fromCookie;
                            }
                        }

                        return Task.CompletedTask;
                    },
                    OnTokenValidated = async context =>
                    {
                        // A token is good only while it carries its person's current security stamp (ADR 0015).
                        var stamps = context.HttpContext.RequestServices.GetRequiredService<SecurityStamps>();
                        if (!await stamps.IsCurrentAsync(context.Principal, context.HttpContext.RequestAborted))
                        {
                            context.Fail("The token was revoked (deactivation, a role change or a new password).");
                        }
                    },
                };
            });
        services.AddSingleton<SecurityStamps>();
        services.AddSingleton<HubConnections>();
        services.AddSingleton<SignedInSipSockets>();
        services.AddSingleton<RevocationHubFilter>();
        services.AddHostedService<HubConnectionSweeper>();
        services.Configure<HubOptions>(options => options.AddFilter<RevocationHubFilter>());

        services.AddAuthorizationBuilder()
            .AddPolicy("agent", policy => policy.RequireAuthenticatedUser().RequireRole("agent", "supervisor"))
            .AddPolicy("supervisor", policy => policy.RequireAuthenticatedUser().RequireRole("supervisor"));
        return services;
    }
}
