using ContactCenter.Contracts;
using System.Security.Claims;
using System.Text;
using ContactCenter.Crm.Customers;
using ContactCenter.Crm.Data;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ContactCenter.Crm.People;

/// <summary>Signs bearer tokens: HMAC-SHA256 over the UTF-8 bytes of Auth:SigningKey, issuer and audience ContactCenter.</summary>
internal sealed class TokenIssuer(IOptions<CrmAuthOptions> options, TimeProvider time)
{
    private readonly JsonWebTokenHandler handler = new() { SetDefaultTimesOnTokenCreation = false };

    /// <summary>The claim that carries the person's security stamp (ADR 0015).</summary>
    public const string StampClaim = "stamp";

    /// <summary>
    /// One claim per queue a supervisor supervises (issue 18), read by the board hub's monitoring check; a supervisor's token
    /// without any supervises every queue.
    /// </summary>
    public const string SupervisesClaim = "supervises";

    /// <summary>A token for <paramref name="person"/> with its security stamp, and when it expires.</summary>
    public (string Token, DateTimeOffset Expires) Issue(Person person)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var expires = now + options.Value.TokenLifetime;
        var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(options.Value.SigningKey!));
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = CrmAuthOptions.Issuer,
            Audience = CrmAuthOptions.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = expires,
            Subject = new ClaimsIdentity(
            [
                new Claim("sub", person.Login),
                new Claim("name", person.DisplayName),
                new Claim("role", Wire.Name(person.Role)),
                new Claim(StampClaim, person.SecurityStamp),
                .. person.Role == PersonRole.Supervisor
                    ? person.SupervisedQueues.Select(q => q.Queue).Order(StringComparer.Ordinal).Select(q => new Claim(SupervisesClaim, q))
                    : [],
            ]),
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
        };
        return (handler.CreateToken(descriptor), new DateTimeOffset(expires, TimeSpan.Zero));
    }
}
