using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;

namespace ContactCenter.Host.Composition;

/// <summary>
/// Bearer tokens for every module: signed by the CRM's <c>/api/auth/token</c> with
/// <c>Auth:SigningKey</c>, validated here. Browsers may carry the token in the
/// <c>cc_token</c> cookie; SignalR clients and browser phones (<c>/sip</c>) in the <c>access_token</c> query string.
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
                };
            });

        services.AddAuthorizationBuilder()
            .AddPolicy("agent", policy => policy.RequireAuthenticatedUser().RequireRole("agent", "supervisor"))
            .AddPolicy("supervisor", policy => policy.RequireAuthenticatedUser().RequireRole("supervisor"));
        return services;
    }
}
