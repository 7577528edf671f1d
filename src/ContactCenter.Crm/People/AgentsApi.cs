using ContactCenter.Contracts;
using ContactCenter.Crm.Customers;
using ContactCenter.Crm.Data;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ContactCenter.Crm.People;

/// <summary>The people directory for supervisors: list, create or change a person; routing hears of every change.</summary>
internal static class AgentsApi
{
    public static void MapAgentsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/agents").WithTags("Agents").WithGroupName(CrmModule.OpenApiDocument)
            .RequireAuthorization("supervisor");
        api.MapGet("/", ListAsync).WithName("ListAgents");
        api.MapPut("/{login}", PutAsync).WithName("PutAgent");
    }

    internal sealed record SkillView(string Skill, int Level);

    internal sealed record AgentView(
        string Login, string DisplayName, string Role, IReadOnlyList<SkillView> Skills, IReadOnlyList<string> Queues, bool Active, string Phone,
        IReadOnlyList<string> SupervisedQueues);

    /// <summary>
    /// Fields left null keep their value; skills, queues and supervised queues, when given, replace the lists. Supervised
    /// queues (a supervisor's only) limit whose calls they may monitor; an empty list means every queue.
    /// </summary>
    internal sealed record PutAgentRequest(
        string? DisplayName,
        string? Role,
        IReadOnlyList<SkillView>? Skills,
        IReadOnlyList<string>? Queues,
        bool? Active,
        string? Password,
        string? SipPassword,
        string? Phone = null,
        IReadOnlyList<string>? SupervisedQueues = null);

    private static async Task<Ok<List<AgentView>>> ListAsync(CrmDbContext db, CancellationToken ct)
    {
        var people = await db.People.AsNoTracking().AsSplitQuery().Include(p => p.Skills).Include(p => p.Queues).Include(p => p.SupervisedQueues)
            .OrderBy(p => p.Login).ToListAsync(ct);
        return TypedResults.Ok(people.Select(ToView).ToList());
    }

    private static async Task<Results<Ok<AgentView>, Created<AgentView>, ValidationProblem>> PutAsync(
        string login, PutAgentRequest? request, CrmDbContext db, IPublishEndpoint publish, TimeProvider time,
        IOptions<CrmOptions> options, IOptions<CrmAuthOptions> auth, CancellationToken ct)
    {
        var normalized = PeopleDirectory.NormalizeLogin(login);
        if (normalized is null)
        {
            return ApiSupport.Invalid("login", "login must be 1..64 of a-z, 0-9, '.', '_' or '-'.");
        }
        if (request is null)
        {
            return ApiSupport.Invalid("body", "The agent is required.");
        }
        var person = await db.People.Include(p => p.Skills).Include(p => p.Queues).Include(p => p.SupervisedQueues).AsSplitQuery()
            .FirstOrDefaultAsync(p => p.Login == normalized, ct);
        var errors = Validate(request, creating: person is null, auth.Value.MinimumPasswordLength, out var role);
        if (request.SupervisedQueues is { Count: > 0 } && (role ?? person?.Role ?? PersonRole.Agent) != PersonRole.Supervisor)
        {
            errors["supervisedQueues"] = ["only a supervisor supervises queues (set role to supervisor, or leave supervisedQueues out)."];
        }
        if (errors.Count > 0)
        {
            return ApiSupport.Invalid(errors);
        }
        var now = time.GetUtcNow();
        var creating = person is null;
        if (person is null)
        {
            person = new Person
            {
                Login = normalized,
                DisplayName = request.DisplayName!.Trim(),
                PasswordHash = "",
                SipRealm = "",
                SipHa1Md5 = "",
                SipHa1Sha256 = "",
            };
            db.People.Add(person);
        }
        var before = PeopleDirectory.ToProfile(person);
        var accessBefore = (person.Role, person.Active, Supervises: string.Join(',', person.SupervisedQueues.Select(q => q.Queue).Order(StringComparer.Ordinal)));
        if (request.DisplayName is not null)
        {
            person.DisplayName = request.DisplayName.Trim();
        }
        if (role is not null)
        {
            person.Role = role.Value;
        }
        if (request.Active is not null)
        {
            person.Active = request.Active.Value;
        }
        if (PhoneKindOf(request.Phone) is { } phone)
        {
            person.Phone = phone;
        }
        if (request.Skills is not null)
        {
            var wanted = request.Skills.ToDictionary(k => k.Skill.Trim().ToLowerInvariant(), k => k.Level, StringComparer.Ordinal);
            person.Skills.RemoveAll(k => !wanted.ContainsKey(k.Skill));
            foreach (var (skill, level) in wanted)
            {
                var existing = person.Skills.Find(k => k.Skill == skill);
                if (existing is null)
                {
                    person.Skills.Add(new PersonSkill { Login = normalized, Skill = skill, Level = level });
                }
                else
                {
                    existing.Level = level;
                }
            }
        }
        if (request.Queues is not null)
        {
            var wanted = request.Queues.Select(q => q.Trim().ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
            person.Queues.RemoveAll(q => !wanted.Contains(q.Queue));
            foreach (var queue in wanted.Where(q => !person.Queues.Exists(x => x.Queue == q)))
            {
                person.Queues.Add(new PersonQueue { Login = normalized, Queue = queue });
            }
        }
        if (person.Role != PersonRole.Supervisor)
        {
            person.SupervisedQueues.Clear(); // an agent supervises nothing
        }
        else if (request.SupervisedQueues is not null)
        {
            var wanted = request.SupervisedQueues.Select(q => q.Trim().ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
            person.SupervisedQueues.RemoveAll(q => !wanted.Contains(q.Queue));
            foreach (var queue in wanted.Where(q => !person.SupervisedQueues.Exists(x => x.Queue == q)))
            {
                person.SupervisedQueues.Add(new PersonSupervisedQueue { Login = normalized, Queue = queue });
            }
        }
        if (request.Password is not null)
        {
            person.PasswordHash = Credentials.HashPassword(request.Password);
        }
        var accessAfter = (person.Role, person.Active, Supervises: string.Join(',', person.SupervisedQueues.Select(q => q.Queue).Order(StringComparer.Ordinal)));
        if (!creating && (request.Password is not null || accessBefore != accessAfter))
        {
            // Deactivation, a role change, other supervised queues (tokens carry them) or a new password: every token issued
            // before is refused from now on (ADR 0015).
            person.SecurityStamp = Person.NewSecurityStamp();
        }
        if (request.SipPassword is not null)
        {
            Credentials.SetSipPassword(person, request.SipPassword, options.Value.SipRealm);
        }
        person.UpdatedAt = now;
        var after = PeopleDirectory.ToProfile(person);
        await db.SaveChangesAsync(ct);
        if (creating || !SameProfile(before, after))
        {
            await publish.Publish(new AgentProfileChanged { AgentId = person.Login, Profile = after, OccurredAt = now }, ct);
        }
        var view = ToView(person);
        return creating ? TypedResults.Created($"/api/agents/{person.Login}", view) : TypedResults.Ok(view);
    }

    private static Dictionary<string, string[]> Validate(PutAgentRequest request, bool creating, int minimumPasswordLength, out PersonRole? role)
    {
        var errors = new Dictionary<string, string[]>();
        role = null;
        if (request.DisplayName is not null ? string.IsNullOrWhiteSpace(request.DisplayName) || request.DisplayName.Length > 200 : creating)
        {
            errors["displayName"] = ["displayName is required, at most 200 characters."];
        }
        if (request.Role is not null)
        {
            if (Wire.TryParse(request.Role, out PersonRole r))
            {
                role = r;
            }
            else
            {
                errors["role"] = [$"role must be one of {Wire.Names<PersonRole>()}."];
            }
        }
        for (var i = 0; i < (request.Skills?.Count ?? 0); i++)
        {
            var s = request.Skills![i];
            if (s is null || string.IsNullOrWhiteSpace(s.Skill) || s.Skill.Length > 64)
            {
                errors[$"skills[{i}].skill"] = ["skill is required, at most 64 characters."];
            }
            else if (s.Level is < 1 or > 5)
            {
                errors[$"skills[{i}].level"] = ["level must be between 1 and 5."];
            }
        }
        if (request.Skills is not null && request.Skills.Where(s => s?.Skill is not null)
                .GroupBy(s => s.Skill.Trim().ToLowerInvariant()).Any(g => g.Count() > 1))
        {
            errors["skills"] = ["each skill may appear once."];
        }
        for (var i = 0; i < (request.SupervisedQueues?.Count ?? 0); i++)
        {
            if (string.IsNullOrWhiteSpace(request.SupervisedQueues![i]) || request.SupervisedQueues[i].Length > 64)
            {
                errors[$"supervisedQueues[{i}]"] = ["queue name is required, at most 64 characters."];
            }
        }
        for (var i = 0; i < (request.Queues?.Count ?? 0); i++)
        {
            if (string.IsNullOrWhiteSpace(request.Queues![i]) || request.Queues[i].Length > 64)
            {
                errors[$"queues[{i}]"] = ["queue name is required, at most 64 characters."];
            }
        }
        if (request.Password is not null ? request.Password.Length < minimumPasswordLength || request.Password.Length > 256 : creating)
        {
            errors["password"] = [$"password is required for a new person, at least {minimumPasswordLength} and at most 256 characters."];
        }
        if (request.SipPassword is not null ? request.SipPassword.Length < 4 : creating)
        {
            errors["sipPassword"] = ["sipPassword is required for a new person, at least 4 characters."];
        }
        if (request.Phone is not null && PhoneKindOf(request.Phone) is null)
        {
            errors["phone"] = [$"phone must be browser, sip or both (was '{request.Phone}')."];
        }
        return errors;
    }

    /// <summary>The phone kind named browser, sip or both (any case); null for anything else.</summary>
    internal static PhoneKind? PhoneKindOf(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "browser" => PhoneKind.Browser,
        "sip" => PhoneKind.Sip,
        "both" => PhoneKind.Both,
        _ => null,
    };

    private static string PhoneName(PhoneKind kind) => kind switch
    {
        PhoneKind.Browser => "browser",
        PhoneKind.Sip => "sip",
        PhoneKind.Both => "both",
    };

    private static bool SameProfile(AgentProfile a, AgentProfile b) =>
        a.DisplayName == b.DisplayName && a.Role == b.Role && a.Active == b.Active && a.Phone == b.Phone
        && a.Skills.SequenceEqual(b.Skills) && a.Queues.SequenceEqual(b.Queues);

    private static AgentView ToView(Person p) => new(
        p.Login,
        p.DisplayName,
        Wire.Name(p.Role),
        [.. p.Skills.OrderBy(s => s.Skill, StringComparer.Ordinal).Select(s => new SkillView(s.Skill, s.Level))],
        [.. p.Queues.Select(q => q.Queue).Order(StringComparer.Ordinal)],
        p.Active,
        PhoneName(p.Phone),
        [.. p.SupervisedQueues.Select(q => q.Queue).Order(StringComparer.Ordinal)]);
}
