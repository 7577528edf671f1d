using ContactCenter.Contracts;
using ContactCenter.Crm.Cases;
using ContactCenter.Crm.People;
using Microsoft.EntityFrameworkCore;

namespace ContactCenter.Crm.Data;

/// <summary>
/// Demo data for the embedded default (docs/demo-data.md lists it): agents alice, bob, carol and
/// supervisor sam (password and SIP password <c>demo</c>), 50 customers with history and cases.
/// Deterministic: a seeded Random and times relative to the TimeProvider.
/// </summary>
internal static class DemoSeeder
{
    public const string DemoPassword = "demo";
    public const int CustomerCount = 50;

    private static readonly string[] FirstNames =
    [
        "Grace", "Katherine", "Edsger", "Barbara", "Donald", "Frances", "John", "Margaret", "Dennis", "Radia",
        "Ken", "Hedy", "Tim", "Sophie", "Niklaus", "Shafi", "Leslie", "Adele", "Linus", "Karen",
    ];

    private static readonly string[] LastNames =
    [
        "Hopper", "Johnson", "Dijkstra", "Liskov", "Knuth", "Allen", "Backus", "Hamilton", "Ritchie", "Perlman",
        "Thompson", "Lamarr", "Berners-Lee", "Wilson", "Wirth", "Goldwasser", "Lamport", "Goldberg", "Torvalds", "Sparck Jones",
    ];

    private static readonly string[] Subjects =
    [
        "Invoice shows a double charge", "Broadband drops every evening", "Change of address", "Refund not received",
        "Router replacement", "Upgrade to fibre", "Direct debit date change", "Complaint about engineer visit",
    ];

    private static readonly string[] Dispositions = ["resolved", "follow-up", "escalated", "information"];

    public static async Task SeedAsync(CrmDbContext db, TimeProvider time, string sipRealm, CancellationToken ct)
    {
        if (await db.People.AnyAsync(ct) || await db.Customers.AnyAsync(ct))
        {
            return;
        }
        var now = time.GetUtcNow();
        var rnd = new Random(20261123);
        db.People.AddRange(
            NewPerson("alice", "Alice Agent", PersonRole.Agent, [("support", 5), ("billing", 2), ("lang-en", 5), ("lang-fr", 3)], ["support", "billing"], sipRealm, now),
            NewPerson("bob", "Bob Agent", PersonRole.Agent, [("support", 3), ("lang-en", 5)], ["support"], sipRealm, now),
            NewPerson("carol", "Carol Agent", PersonRole.Agent, [("billing", 5), ("lang-en", 5)], ["billing"], sipRealm, now),
            NewPerson("sam", "Sam Supervisor", PersonRole.Supervisor, [], [], sipRealm, now));

        var caseNumber = 0;
        var agents = new[] { "alice", "bob", "carol" };

        // Ada Lovelace: gold, an open high-priority case owned by alice.
        var ada = NewCustomer(rnd, "Ada Lovelace", CustomerTier.Gold, "en", now - TimeSpan.FromDays(400), "+442079460018");
        ada.Notes = "Prefers a call back in the afternoon.";
        db.Customers.Add(ada);
        AddHistory(db, rnd, ada, "+442079460018", 6, now, agents);
        db.Cases.Add(NewCase(rnd, ++caseNumber, ada.Id, "Billing dispute on the last invoice", CaseStatus.Open, CasePriority.High, "alice",
            now - TimeSpan.FromDays(2), now + TimeSpan.FromHours(4)));
        db.Cases.Add(NewCase(rnd, ++caseNumber, ada.Id, "Router replacement", CaseStatus.Closed, CasePriority.Normal, "bob",
            now - TimeSpan.FromDays(90), null));

        // Alan Turing: closed cases only.
        var alan = NewCustomer(rnd, "Alan Turing", CustomerTier.Silver, "en", now - TimeSpan.FromDays(300), "+441614960000");
        db.Customers.Add(alan);
        AddHistory(db, rnd, alan, "+441614960000", 4, now, agents);
        db.Cases.Add(NewCase(rnd, ++caseNumber, alan.Id, "Upgrade to fibre", CaseStatus.Closed, CasePriority.Normal, "alice",
            now - TimeSpan.FromDays(60), null));
        db.Cases.Add(NewCase(rnd, ++caseNumber, alan.Id, "Refund not received", CaseStatus.Closed, CasePriority.Low, "carol",
            now - TimeSpan.FromDays(20), null));

        for (var i = 0; i < CustomerCount - 2; i++)
        {
            var name = $"{FirstNames[i % FirstNames.Length]} {LastNames[(i + (i / FirstNames.Length * 7) + 3) % LastNames.Length]}";
            // Ofcom drama ranges: 020 7946 0100.. and 07700 900100.. are never real subscribers.
            var phone = i % 3 == 2 ? $"+447700900{100 + i:000}" : $"+442079460{100 + i:000}";
            var tier = (CustomerTier)(rnd.Next(10) switch { < 6 => 0, < 8 => 1, 8 => 2, _ => 3 });
            var customer = NewCustomer(rnd, name, tier, rnd.Next(6) == 0 ? "fr" : "en", now - TimeSpan.FromDays(rnd.Next(30, 900)), phone);
            customer.DoNotCall = rnd.Next(12) == 0;
            db.Customers.Add(customer);
            AddHistory(db, rnd, customer, phone, rnd.Next(0, 9), now, agents);
            for (var c = rnd.Next(0, 3); c > 0; c--)
            {
                var status = (CaseStatus)rnd.Next(4);
                var priority = (CasePriority)rnd.Next(4);
                var opened = now - TimeSpan.FromHours(rnd.Next(1, 24 * 60));
                db.Cases.Add(NewCase(rnd, ++caseNumber, customer.Id, Subjects[rnd.Next(Subjects.Length)], status, priority,
                    agents[rnd.Next(agents.Length)], opened, opened + CaseRules.DefaultSla(priority)));
            }
        }
        await db.SaveChangesAsync(ct);
    }

    private static Person NewPerson(
        string login, string name, PersonRole role, (string Skill, int Level)[] skills, string[] queues, string realm, DateTimeOffset now)
    {
        var person = new Person
        {
            Login = login,
            DisplayName = name,
            Role = role,
            PasswordHash = "",
            SipRealm = realm,
            SipHa1Md5 = "",
            SipHa1Sha256 = "",
            UpdatedAt = now,
            Skills = [.. skills.Select(s => new PersonSkill { Login = login, Skill = s.Skill, Level = s.Level })],
            Queues = [.. queues.Select(q => new PersonQueue { Login = login, Queue = q })],
        };
        Credentials.SetPasswords(person, DemoPassword, DemoPassword, realm);
        return person;
    }

    private static Customer NewCustomer(Random rnd, string name, CustomerTier tier, string language, DateTimeOffset created, string phone) => new()
    {
        Id = NewId(rnd),
        Name = name,
        Tier = tier,
        Language = language,
        Email = name.ToLowerInvariant().Replace(' ', '.') + "@example.com",
        PreferredContact = ContactChannel.Phone,
        CreatedAt = created,
        UpdatedAt = created,
        Phones = [new CustomerPhone { Id = NewId(rnd), E164 = phone, Label = "main" }],
    };

    private static void AddHistory(CrmDbContext db, Random rnd, Customer customer, string phone, int calls, DateTimeOffset now, string[] agents)
    {
        for (var i = 0; i < calls; i++)
        {
            var received = now - TimeSpan.FromMinutes(rnd.Next(60, 60 * 24 * 180));
            var queue = rnd.Next(2) == 0 ? "support" : "billing";
            var queued = received + TimeSpan.FromSeconds(rnd.Next(10, 40));
            var roll = rnd.Next(10);
            var interaction = new Interaction
            {
                CallId = NewId(rnd),
                CustomerId = customer.Id,
                Caller = phone,
                Did = "+442079460999",
                GatewayId = "gw-1",
                StartedAt = received,
                ReceivedAt = received,
                QueuedAt = queued,
                IvrPath = queue == "support" ? "main>2>support" : "main>3>billing",
                Queue = queue,
                QueueRank = 4,
                QueueSetAt = queued,
                EndedBy = CallParty.Caller,
                EndReason = "BYE",
            };
            if (roll < 7)
            {
                var answered = queued + TimeSpan.FromSeconds(rnd.Next(5, 120));
                var ended = answered + TimeSpan.FromSeconds(rnd.Next(60, 900));
                var wrapped = ended + TimeSpan.FromSeconds(rnd.Next(10, 120));
                interaction.AgentId = agents[rnd.Next(agents.Length)];
                interaction.AgentRank = 4;
                interaction.AgentSetAt = ended;
                interaction.AnsweredAt = answered;
                interaction.EndedAt = ended;
                interaction.WrappedUpAt = wrapped;
                interaction.Outcome = CallOutcome.Answered;
                interaction.WaitSeconds = (int)(answered - queued).TotalSeconds;
                interaction.TalkSeconds = (int)(ended - answered).TotalSeconds;
                interaction.WrapUpSeconds = (int)(wrapped - ended).TotalSeconds;
                interaction.Disposition = Dispositions[rnd.Next(Dispositions.Length)];
                interaction.Notes = $"Spoke about {Subjects[rnd.Next(Subjects.Length)].ToLowerInvariant()}.";
            }
            else
            {
                var ended = queued + TimeSpan.FromSeconds(rnd.Next(20, 300));
                interaction.EndedAt = ended;
                interaction.Outcome = roll == 7 ? CallOutcome.Abandoned : roll == 8 ? CallOutcome.SelfService : CallOutcome.Callback;
                interaction.WaitSeconds = (int)(ended - queued).TotalSeconds;
            }
            db.Interactions.Add(interaction);
        }
    }

    private static ServiceCase NewCase(
        Random rnd, int number, Guid customerId, string subject, CaseStatus status, CasePriority priority, string owner,
        DateTimeOffset opened, DateTimeOffset? slaDue)
    {
        var done = opened + TimeSpan.FromHours(rnd.Next(1, 48));
        return new ServiceCase
        {
            Id = NewId(rnd),
            Number = number,
            CustomerId = customerId,
            Subject = subject,
            Description = $"{subject}. Reported by phone.",
            Status = status,
            Priority = priority,
            OwnerAgentId = owner,
            SlaDueAt = slaDue,
            OpenedAt = opened,
            UpdatedAt = status is CaseStatus.Resolved or CaseStatus.Closed ? done : opened,
            ResolvedAt = status is CaseStatus.Resolved or CaseStatus.Closed ? done : null,
            ClosedAt = status is CaseStatus.Closed ? done : null,
            Notes = [new CaseNote { Id = NewId(rnd), AuthorId = owner, Text = "Case opened from a call.", CreatedAt = opened }],
        };
    }

    private static Guid NewId(Random rnd)
    {
        Span<byte> bytes = stackalloc byte[16];
        rnd.NextBytes(bytes);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes);
    }
}
