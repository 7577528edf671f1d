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

    public string Issue(Person person)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(options.Value.SigningKey!));
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = CrmAuthOptions.Issuer,
            Audience = CrmAuthOptions.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + options.Value.TokenLifetime,
            Subject = new ClaimsIdentity(
            [
                new Claim("sub", person.Login),
                new Claim("name", person.DisplayName),
                new Claim("role", Wire.Name(person.Role)),
            ]),
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
        };
        return handler.CreateToken(descriptor);
    }
}
