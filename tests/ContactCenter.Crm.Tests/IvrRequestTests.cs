using ContactCenter.Contracts;
using ContactCenter.Crm.Data;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ContactCenter.Crm.Tests;

/// <summary>The IVR's IdentifyCaller and GetCaseStatus requests through the test harness, on a real seeded SQLite file.</summary>
public abstract class IvrRequestTests(CrmTestHost host)
{
    // Seeded by DemoSeeder: Ada Lovelace (+442079460018, gold, en) has CS-000001, open, high, owned by alice.
    private const string AdaE164 = "+442079460018";

    [Theory]
    [InlineData("02079460018")]
    [InlineData("0044 20 7946 0018")]
    [InlineData("+44 (20) 7946-0018")]
    public async Task Known_caller_in_another_number_format_is_identified_with_tier_language_and_preferred_agent(string caller)
    {
        var callId = Guid.NewGuid();
        var answer = await IdentifyAsync(new IdentifyCaller { CallId = callId, Caller = caller, OccurredAt = host.Time.GetUtcNow() });
        var adaId = await CustomerIdAsync(AdaE164);
        Assert.Equal(callId, answer.CallId);
        Assert.Equal(adaId, answer.CustomerId);
        Assert.Equal("Ada Lovelace", answer.CustomerName);
        Assert.Equal(CustomerTier.Gold, answer.Tier);
        Assert.Equal("en", answer.Language);
        Assert.Equal("alice", answer.PreferredAgentId);
    }

    [Fact]
    public async Task Account_number_wins_over_the_caller_number_and_names_the_owner_of_the_most_urgent_open_case()
    {
        var grace = await SeedCustomerAsync("+442079461201", 910_000);
        var answer = await IdentifyAsync(new IdentifyCaller
        {
            CallId = Guid.NewGuid(), Caller = AdaE164, AccountNumber = "020 7946 1201", OccurredAt = host.Time.GetUtcNow(),
        });
        Assert.Equal(grace, answer.CustomerId);
        Assert.Equal("Grace Hopper 910000", answer.CustomerName);
        Assert.Equal(CustomerTier.Silver, answer.Tier);
        Assert.Equal("fr", answer.Language);
        Assert.Equal("carol", answer.PreferredAgentId);
    }

    [Theory]
    [InlineData("+33 1 99 00 12 34", null)]
    [InlineData(AdaE164, "12")]
    [InlineData(null, null)]
    [InlineData("not a number", null)]
    public async Task Unknown_caller_or_account_gets_no_customer_and_the_standard_tier(string? caller, string? account)
    {
        var callId = Guid.NewGuid();
        var answer = await IdentifyAsync(new IdentifyCaller { CallId = callId, Caller = caller, AccountNumber = account, OccurredAt = host.Time.GetUtcNow() });
        Assert.Equal(callId, answer.CallId);
        Assert.Null(answer.CustomerId);
        Assert.Null(answer.CustomerName);
        Assert.Null(answer.PreferredAgentId);
        Assert.Equal(CustomerTier.Standard, answer.Tier);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("000001")]
    [InlineData("CS-000001")]
    [InlineData(" cs-000001 ")]
    public async Task Case_is_found_by_its_number_in_any_keyed_format(string keyed)
    {
        var callId = Guid.NewGuid();
        var result = await CaseStatusAsync(new GetCaseStatus { CallId = callId, Caller = "+33199001234", CaseNumber = keyed, OccurredAt = host.Time.GetUtcNow() });
        Assert.Equal(callId, result.CallId);
        Assert.True(result.Found);
        Assert.Equal("CS-000001", result.CaseNumber);
        Assert.Equal("open", result.Status);
    }

    [Fact]
    public async Task Latest_case_of_the_customer_is_found_by_customer_id_and_by_the_caller_number()
    {
        var grace = await SeedCustomerAsync("+442079461202", 920_000);
        var byId = await CaseStatusAsync(new GetCaseStatus { CallId = Guid.NewGuid(), CustomerId = grace, Caller = "anonymous", OccurredAt = host.Time.GetUtcNow() });
        Assert.True(byId.Found);
        Assert.Equal("CS-920002", byId.CaseNumber);
        Assert.Equal("resolved", byId.Status);

        var byPhone = await CaseStatusAsync(new GetCaseStatus { CallId = Guid.NewGuid(), Caller = "020 7946 1202", OccurredAt = host.Time.GetUtcNow() });
        Assert.Equal(byId with { CallId = byPhone.CallId, OccurredAt = byPhone.OccurredAt }, byPhone);

        var keyed = await CaseStatusAsync(new GetCaseStatus { CallId = Guid.NewGuid(), CustomerId = grace, Caller = "anonymous", CaseNumber = "920003", OccurredAt = host.Time.GetUtcNow() });
        Assert.True(keyed.Found);
        Assert.Equal("closed", keyed.Status);
    }

    [Theory]
    [InlineData("9999999", null)]
    [InlineData("abc", null)]
    [InlineData("CS-", null)]
    [InlineData("-5", null)]
    [InlineData("99999999999999999999", null)]
    [InlineData(null, "+33 1 99 00 12 34")]
    [InlineData(null, "not a number")]
    public async Task Unknown_case_number_or_a_caller_without_cases_is_not_found(string? keyed, string? caller)
    {
        var callId = Guid.NewGuid();
        var result = await CaseStatusAsync(new GetCaseStatus { CallId = callId, Caller = caller ?? AdaE164, CaseNumber = keyed, OccurredAt = host.Time.GetUtcNow() });
        Assert.Equal(callId, result.CallId);
        Assert.False(result.Found);
        Assert.Null(result.CaseNumber);
        Assert.Null(result.Status);
    }

    [Fact]
    public async Task Keyed_case_of_another_customer_is_not_disclosed_and_a_customer_without_cases_has_none()
    {
        var grace = await SeedCustomerAsync("+442079461203", 930_000, withCases: false);
        var other = await CaseStatusAsync(new GetCaseStatus { CallId = Guid.NewGuid(), CustomerId = grace, Caller = "+442079461203", CaseNumber = "CS-000001", OccurredAt = host.Time.GetUtcNow() });
        Assert.False(other.Found);

        var none = await CaseStatusAsync(new GetCaseStatus { CallId = Guid.NewGuid(), Caller = "02079461203", OccurredAt = host.Time.GetUtcNow() });
        Assert.False(none.Found);
    }

    private async Task<CallerIdentified> IdentifyAsync(IdentifyCaller request)
    {
        await using var scope = host.Services.CreateAsyncScope();
        var client = scope.ServiceProvider.GetRequiredService<IRequestClient<IdentifyCaller>>();
        return (await client.GetResponse<CallerIdentified>(request)).Message;
    }

    private async Task<CaseStatusResult> CaseStatusAsync(GetCaseStatus request)
    {
        await using var scope = host.Services.CreateAsyncScope();
        var client = scope.ServiceProvider.GetRequiredService<IRequestClient<GetCaseStatus>>();
        return (await client.GetResponse<CaseStatusResult>(request)).Message;
    }

    private Task<Guid> CustomerIdAsync(string e164) =>
        host.WithDbAsync(db => db.CustomerPhones.AsNoTracking().Where(p => p.E164 == e164).Select(p => p.CustomerId).SingleAsync());

    /// <summary>A customer with the phone and, when asked, cases number+1 (open, urgent, carol, opened 10 days ago), number+2 (resolved, 1 day ago), number+3 (closed, 30 days ago), number+4 (open, low, bob, 20 days ago).</summary>
    private Task<Guid> SeedCustomerAsync(string e164, int number, bool withCases = true) =>
        host.WithDbAsync(async db =>
        {
            var now = host.Time.GetUtcNow();
            var customer = new Customer
            {
                Id = Guid.NewGuid(),
                Name = $"Grace Hopper {number}",
                Tier = CustomerTier.Silver,
                Language = "fr",
                CreatedAt = now,
                UpdatedAt = now,
                Phones = [new CustomerPhone { Id = Guid.NewGuid(), E164 = e164, Label = "main" }],
            };
            db.Customers.Add(customer);
            if (withCases)
            {
                db.Cases.AddRange(
                    Case(customer.Id, number + 1, CaseStatus.Open, CasePriority.Urgent, "carol", now.AddDays(-10)),
                    Case(customer.Id, number + 2, CaseStatus.Resolved, CasePriority.Normal, "alice", now.AddDays(-1)),
                    Case(customer.Id, number + 3, CaseStatus.Closed, CasePriority.High, "alice", now.AddDays(-30)),
                    Case(customer.Id, number + 4, CaseStatus.Open, CasePriority.Low, "bob", now.AddDays(-20)));
            }
            await db.SaveChangesAsync();
            return customer.Id;
        });

    private static ServiceCase Case(Guid customerId, int number, CaseStatus status, CasePriority priority, string owner, DateTimeOffset opened) => new()
    {
        Id = Guid.NewGuid(),
        Number = number,
        CustomerId = customerId,
        Subject = $"Case {number}",
        Status = status,
        Priority = priority,
        OwnerAgentId = owner,
        SlaDueAt = opened.AddDays(3),
        OpenedAt = opened,
        UpdatedAt = opened,
        ResolvedAt = status is CaseStatus.Resolved or CaseStatus.Closed ? opened.AddHours(2) : null,
        ClosedAt = status is CaseStatus.Closed ? opened.AddHours(3) : null,
    };
}

public sealed class IvrRequestTestsOnSqlite(SqliteCrmTestHost host) : IvrRequestTests(host), IClassFixture<SqliteCrmTestHost>;

public sealed class IvrRequestTestsOnPostgreSql(PostgreSqlCrmTestHost host) : IvrRequestTests(host), IClassFixture<PostgreSqlCrmTestHost>;
