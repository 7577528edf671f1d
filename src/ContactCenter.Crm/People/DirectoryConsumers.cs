using ContactCenter.Contracts;
using ContactCenter.Crm.Data;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Crm.People;

/// <summary>Answers routing's GetAgentProfiles with every person's profile.</summary>
internal sealed class GetAgentProfilesConsumer(CrmDbContext db, TimeProvider time) : IConsumer<GetAgentProfiles>
{
    public async Task Consume(ConsumeContext<GetAgentProfiles> context)
    {
        var people = await db.People.AsNoTracking().AsSplitQuery()
            .Include(p => p.Skills).Include(p => p.Queues)
            .OrderBy(p => p.Login)
            .ToListAsync(context.CancellationToken);
        await context.RespondAsync(new AgentProfiles
        {
            Profiles = [.. people.Select(PeopleDirectory.ToProfile)],
            OccurredAt = time.GetUtcNow(),
        });
    }
}

/// <summary>
/// Answers the registrar's VerifySipDigest with a verdict: the expected response is computed here from the stored HA1,
/// so the HA1 values never go on the bus (ADR 0014).
/// </summary>
internal sealed class VerifySipDigestConsumer(CrmDbContext db, TimeProvider time, ILogger<VerifySipDigestConsumer> logger)
    : IConsumer<VerifySipDigest>
{
    public async Task Consume(ConsumeContext<VerifySipDigest> context)
    {
        var m = context.Message;
        var login = PeopleDirectory.NormalizeLogin(m.Login);
        var person = login is null ? null : await db.People.AsNoTracking()
            .Where(p => p.Login == login && p.Active)
            .Select(p => new { p.SipRealm, p.SipHa1Md5, p.SipHa1Sha256 })
            .FirstOrDefaultAsync(context.CancellationToken);
        var found = person is not null && string.Equals(person.SipRealm, m.Realm, StringComparison.Ordinal);
        if (person is not null && !found)
        {
            logger.LogWarning(
                "SIP digest for {Login} checked for realm {Asked} but the credentials are stored for realm {Stored}: set Sip:Realm the same in every module",
                login, m.Realm, person.SipRealm);
        }
        var ha1 = !found ? null
            : m.Algorithm == "MD5" ? person!.SipHa1Md5
            : m.Algorithm == "SHA-256" ? person!.SipHa1Sha256
            : null;
        await context.RespondAsync(new SipDigestVerdict
        {
            Login = m.Login,
            Found = ha1 is not null,
            Valid = ha1 is not null && Credentials.DigestMatches(m, ha1),
            OccurredAt = time.GetUtcNow(),
        });
    }
}

/// <summary>Answers GetSecurityStamp: the person's stamp, or none when the person is unknown or inactive (ADR 0015).</summary>
internal sealed class GetSecurityStampConsumer(CrmDbContext db, TimeProvider time) : IConsumer<GetSecurityStamp>
{
    public async Task Consume(ConsumeContext<GetSecurityStamp> context)
    {
        var login = PeopleDirectory.NormalizeLogin(context.Message.Login);
        var stamp = login is null ? null : await db.People.AsNoTracking()
            .Where(p => p.Login == login && p.Active)
            .Select(p => p.SecurityStamp)
            .FirstOrDefaultAsync(context.CancellationToken);
        await context.RespondAsync(new SecurityStamp { Login = context.Message.Login, Stamp = stamp, OccurredAt = time.GetUtcNow() });
    }
}

internal sealed class GetSecurityStampDefinition() : CrmConsumerDefinition<GetSecurityStampConsumer>("crm-security-stamps", 16);

internal sealed class GetAgentProfilesDefinition() : CrmConsumerDefinition<GetAgentProfilesConsumer>("crm-agent-profiles", 4);

internal sealed class VerifySipDigestDefinition() : CrmConsumerDefinition<VerifySipDigestConsumer>("crm-sip-digest", 16);

/// <summary>Directory helpers shared by the API and the consumers.</summary>
internal static class PeopleDirectory
{
    public static AgentProfile ToProfile(Person p) => new()
    {
        AgentId = p.Login,
        DisplayName = p.DisplayName,
        Role = p.Role,
        Skills = [.. p.Skills.OrderBy(s => s.Skill, StringComparer.Ordinal).Select(s => new SkillLevel { Skill = s.Skill, Level = s.Level })],
        Queues = [.. p.Queues.Select(q => q.Queue).Order(StringComparer.Ordinal)],
        Active = p.Active,
        Phone = p.Phone,
    };

    /// <summary>Logins are lower-case letters, digits, '.', '_' and '-', 1..64 long; null when not one.</summary>
    public static string? NormalizeLogin(string? login)
    {
        if (string.IsNullOrWhiteSpace(login))
        {
            return null;
        }
        var l = login.Trim().ToLowerInvariant();
        return l.Length <= 64 && l.All(ch => char.IsAsciiLetterLower(ch) || char.IsAsciiDigit(ch) || ch is '.' or '_' or '-') ? l : null;
    }
}
