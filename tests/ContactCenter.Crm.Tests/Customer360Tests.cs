using System.Data.Common;
using ContactCenter.Contracts;
using ContactCenter.Crm.Customers;
using ContactCenter.Crm.Data;
using ContactCenter.Crm.Phones;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ContactCenter.Crm.Tests;

public abstract class Customer360Tests(CrmProvider provider) : IAsyncLifetime
{
    private protected TestDatabase db = null!;
    private protected Guid busyId;
    private Guid quietId;

    public async Task InitializeAsync()
    {
        db = await TestDatabase.CreateAsync(provider);
        var now = db.Time.GetUtcNow();
        busyId = Guid.NewGuid();
        quietId = Guid.NewGuid();
        await db.WithAsync(async (ctx, _) =>
        {
            ctx.Customers.Add(new Customer
            {
                Id = busyId, Name = "Busy Bee", Tier = CustomerTier.Platinum, Language = "fr",
                Phones = [new CustomerPhone { Id = Guid.NewGuid(), E164 = "+442079460300" }, new CustomerPhone { Id = Guid.NewGuid(), E164 = "+447700900300" }],
            });
            ctx.Customers.Add(new Customer { Id = quietId, Name = "Quiet Quail", Phones = [new CustomerPhone { Id = Guid.NewGuid(), E164 = "+442079460301" }] });
            for (var i = 0; i < 200; i++)
            {
                ctx.Interactions.Add(new Interaction { CallId = Guid.NewGuid(), CustomerId = busyId, StartedAt = now.AddMinutes(-i * 30), Queue = "support", Outcome = CallOutcome.Answered });
            }
            var n = 0;
            ServiceCase Case(CaseStatus status, CasePriority priority, string owner, TimeSpan due) => new()
            {
                Id = Guid.NewGuid(), Number = ++n, CustomerId = busyId, Subject = $"{status} {priority}", Status = status,
                Priority = priority, OwnerAgentId = owner, OpenedAt = now.AddDays(-3), SlaDueAt = now + due,
            };
            ctx.Cases.AddRange(
                Case(CaseStatus.Open, CasePriority.Normal, "bob", TimeSpan.FromHours(-1)),
                Case(CaseStatus.Pending, CasePriority.Urgent, "carol", TimeSpan.FromHours(2)),
                Case(CaseStatus.Open, CasePriority.Urgent, "alice", TimeSpan.FromHours(1)),
                Case(CaseStatus.Closed, CasePriority.Urgent, "bob", TimeSpan.FromHours(-50)),
                Case(CaseStatus.Resolved, CasePriority.High, "bob", TimeSpan.FromHours(-50)));
            await ctx.SaveChangesAsync();
        });
    }

    public async Task DisposeAsync() => await db.DisposeAsync();

    [Fact]
    public async Task By_phone_the_360_has_open_cases_most_urgent_first_recent_calls_and_totals()
    {
        var view = await db.WithAsync(async (_, sp) =>
        {
            sp.GetRequiredService<PhoneNumberNormalizer>().TryNormalize("07700 900300", out var e164);
            return await sp.GetRequiredService<Customer360Query>().ByPhoneAsync(e164!, Guid.Empty, CancellationToken.None);
        });
        Assert.NotNull(view);
        Assert.Equal(busyId, view.Customer.Id);
        Assert.Equal("platinum", view.Customer.Tier);
        Assert.Equal(["+442079460300", "+447700900300"], view.Customer.Phones);
        Assert.Equal(["alice", "carol", "bob"], view.OpenCases.Select(c => c.OwnerAgentId));
        Assert.Equal(10, view.RecentInteractions.Count);
        Assert.Equal(view.RecentInteractions.OrderByDescending(i => i.StartedAt).Select(i => i.CallId), view.RecentInteractions.Select(i => i.CallId));
        Assert.Equal(db.Time.GetUtcNow(), view.RecentInteractions[0].StartedAt);
        Assert.Equal(200, view.Totals.Interactions);
        Assert.Equal(3, view.Totals.OpenCases);
        Assert.Equal(1, view.Totals.CasesBreachingSla);
        Assert.Equal(db.Time.GetUtcNow(), view.Totals.LastContactAt);
        Assert.True(view.OpenCases.Single(c => c.OwnerAgentId == "bob").SlaBreached);
    }

    [Fact]
    public async Task By_id_and_by_phone_agree_and_an_unknown_number_is_null()
    {
        var (byId, byPhone, unknown) = await db.WithAsync(async (_, sp) =>
        {
            var query = sp.GetRequiredService<Customer360Query>();
            return (await query.ByIdAsync(quietId, Guid.Empty, CancellationToken.None),
                await query.ByPhoneAsync("+442079460301", Guid.Empty, CancellationToken.None),
                await query.ByPhoneAsync("+442079460399", Guid.Empty, CancellationToken.None));
        });
        Assert.NotNull(byId);
        Assert.Equal(byId.Customer, byPhone!.Customer with { Phones = byId.Customer.Phones });
        Assert.Empty(byId.OpenCases);
        Assert.Empty(byId.RecentInteractions);
        Assert.Equal(0, byId.Totals.Interactions);
        Assert.Null(byId.Totals.LastContactAt);
        Assert.Null(unknown);
    }

    [Fact]
    public async Task The_360_is_two_untracked_statements_whatever_the_history_size_and_their_plans_use_the_indexes()
    {
        var counter = new CommandCounter();
        var options = db.Services.GetRequiredService<IOptions<CrmOptions>>();
        await using var ctx = db.NewContext(counter);
        var query = new Customer360Query(ctx, db.Time, options);
        var view = await query.ByPhoneAsync("+442079460300", Guid.Empty, CancellationToken.None);
        Assert.NotNull(view);
        Assert.Equal(2, counter.Commands.Count);
        Assert.Empty(ctx.ChangeTracker.Entries());
        Assert.Contains(counter.Commands, c => c.Contains("\"CustomerPhones\"", StringComparison.Ordinal) && c.Contains("\"E164\" = @", StringComparison.Ordinal));
        for (var i = 0; i < counter.Commands.Count; i++)
        {
            var plan = await PlanAsync(counter.Commands[i], counter.Parameters[i]);
            Assert.DoesNotContain(plan, FullScanOfABigTable);
        }
    }

    /// <summary>The plan of a statement, one line per step, read with the provider's EXPLAIN.</summary>
    private protected abstract Task<List<string>> PlanAsync(string sql, Dictionary<string, object?> parameters);

    /// <summary>True for a plan step that reads a whole table the 360 must reach through an index.</summary>
    private protected abstract bool FullScanOfABigTable(string step);

    [Fact]
    public async Task The_current_call_is_left_out_of_the_pop_history()
    {
        var current = await db.WithAsync((ctx, _) => ctx.Interactions.Where(i => i.CustomerId == busyId).OrderByDescending(i => i.StartedAt).Select(i => i.CallId).FirstAsync());
        var view = await db.WithAsync((_, sp) => sp.GetRequiredService<Customer360Query>().ByIdAsync(busyId, current, CancellationToken.None));
        Assert.Equal(199, view!.Totals.Interactions);
        Assert.DoesNotContain(view.RecentInteractions, i => i.CallId == current);
    }

    [Fact]
    public async Task Lookups_on_the_kept_compiled_statements_see_every_write_in_between()
    {
        var now = db.Time.GetUtcNow();
        for (var round = 1; round <= 3; round++)
        {
            var before = await db.WithAsync((_, sp) => sp.GetRequiredService<Customer360Query>().ByPhoneAsync("+442079460301", Guid.Empty, CancellationToken.None));
            var callId = Guid.NewGuid();
            var caseId = Guid.NewGuid();
            await db.WithAsync(async (ctx, _) =>
            {
                ctx.Interactions.Add(new Interaction { CallId = callId, CustomerId = quietId, StartedAt = now.AddMinutes(round), Queue = "billing" });
                ctx.Cases.Add(new ServiceCase
                {
                    Id = caseId, Number = 100 + round, CustomerId = quietId, Subject = $"round {round}", Status = CaseStatus.Open,
                    Priority = CasePriority.Urgent, OpenedAt = now.AddMinutes(round), SlaDueAt = now.AddMinutes(-round),
                });
                await ctx.SaveChangesAsync();
            });
            var after = await db.WithAsync((_, sp) => sp.GetRequiredService<Customer360Query>().ByPhoneAsync("+442079460301", Guid.Empty, CancellationToken.None));
            Assert.Equal(before!.Totals.Interactions + 1, after!.Totals.Interactions);
            Assert.Equal(callId, after.RecentInteractions[0].CallId);
            Assert.Equal(now.AddMinutes(round), after.Totals.LastContactAt);
            Assert.Equal(round, after.OpenCases.Count);
            Assert.Equal(round, after.Totals.CasesBreachingSla);
            Assert.Contains(after.OpenCases, c => c.Id == caseId && c.SlaBreached && c.Priority == "urgent" && c.Status == "open");
        }
    }

    [Fact]
    public async Task Concurrent_lookups_each_get_the_right_360()
    {
        var views = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(() =>
            db.WithAsync((_, sp) => sp.GetRequiredService<Customer360Query>().ByPhoneAsync(
                i % 2 == 0 ? "+442079460300" : "+442079460301", Guid.Empty, CancellationToken.None)))));
        for (var i = 0; i < views.Length; i++)
        {
            Assert.Equal(i % 2 == 0 ? busyId : quietId, views[i]!.Customer.Id);
            Assert.Equal(i % 2 == 0 ? 200 : 0, views[i]!.Totals.Interactions);
            Assert.Equal(i % 2 == 0 ? 3 : 0, views[i]!.OpenCases.Count);
        }
    }

    private protected sealed class CommandCounter : DbCommandInterceptor
    {
        public List<string> Commands { get; } = [];

        public List<Dictionary<string, object?>> Parameters { get; } = [];

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            Commands.Add(command.CommandText);
            Parameters.Add(command.Parameters.Cast<DbParameter>().ToDictionary(p => p.ParameterName, p => (object?)p.Value));
            return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
        }
    }
}

public sealed class PhoneNumberTests
{
    [Theory]
    [InlineData("020 7946 0018", "+442079460018")]
    [InlineData("+44 20 7946 0018", "+442079460018")]
    [InlineData("0044 20 7946 0018", "+442079460018")]
    [InlineData("(020) 7946-0018", "+442079460018")]
    [InlineData("0161 496 0000", "+441614960000")]
    [InlineData("07700 900123", "+447700900123")]
    [InlineData("+1 (212) 555-0100", "+12125550100")]
    public void Common_formats_normalise_to_e164(string input, string expected)
    {
        var normalizer = new PhoneNumberNormalizer(Options.Create(new CrmOptions { DefaultRegion = "GB" }));
        Assert.True(normalizer.TryNormalize(input, out var e164));
        Assert.Equal(expected, e164);
    }

    [Theory]
    [InlineData("")]
    [InlineData("anonymous")]
    [InlineData("12")]
    [InlineData("sip:alice@example.com")]
    public void Non_numbers_are_refused(string input)
    {
        var normalizer = new PhoneNumberNormalizer(Options.Create(new CrmOptions()));
        Assert.False(normalizer.TryNormalize(input, out _));
    }

    [Fact]
    public void The_default_region_decides_national_numbers()
    {
        var us = new PhoneNumberNormalizer(Options.Create(new CrmOptions { DefaultRegion = "US" }));
        Assert.True(us.TryNormalize("(212) 555-0100", out var e164));
        Assert.Equal("+12125550100", e164);
    }

    [Fact]
    public void An_unknown_region_is_refused_naming_the_key()
    {
        var result = new CrmOptionsValidator().Validate(null, new CrmOptions { DefaultRegion = "XX" });
        Assert.True(result.Failed);
        Assert.Contains("Crm:DefaultRegion", result.FailureMessage, StringComparison.Ordinal);
    }
}

public sealed class Customer360TestsOnSqlite() : Customer360Tests(CrmProvider.Sqlite)
{
    private protected override async Task<List<string>> PlanAsync(string sql, Dictionary<string, object?> parameters)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection(db.ConnectionString);
        await connection.OpenAsync();
        await using var explain = connection.CreateCommand();
        explain.CommandText = "EXPLAIN QUERY PLAN " + sql;
        foreach (var p in parameters)
        {
            explain.Parameters.AddWithValue(p.Key, p.Value ?? DBNull.Value);
        }
        var plan = new List<string>();
        await using var reader = await explain.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            plan.Add(reader.GetString(3));
        }
        return plan;
    }

    private protected override bool FullScanOfABigTable(string step) =>
        step.StartsWith("SCAN \"Interactions\"", StringComparison.Ordinal) || step.StartsWith("SCAN \"ServiceCases\"", StringComparison.Ordinal)
        || step == "SCAN \"CustomerPhones\"" || step == "SCAN \"Customers\"" || step == "SCAN i" || step == "SCAN s" || step == "SCAN c";

    [Fact]
    public async Task Read_contexts_keep_their_connection_open_and_one_compiled_statement_per_query()
    {
        var readContexts = db.Services.GetRequiredService<SqliteReadContexts>();
        for (var i = 0; i < 5; i++)
        {
            var view = await db.WithAsync((_, sp) => sp.GetRequiredService<Customer360Query>().ByPhoneAsync("+442079460300", Guid.Empty, CancellationToken.None));
            Assert.Equal(busyId, view!.Customer.Id);
        }
        var context = await readContexts.RentAsync(CancellationToken.None);
        try
        {
            var connection = context.Database.GetDbConnection();
            Assert.Equal(System.Data.ConnectionState.Open, connection.State);
            // The header (with phones and open cases) and the recent calls, compiled once each.
            Assert.Equal(2, readContexts.CompiledStatements(connection));
        }
        finally
        {
            readContexts.Return(context);
        }
    }
}

public sealed class Customer360TestsOnPostgreSql() : Customer360Tests(CrmProvider.PostgreSql)
{
    /// <summary>
    /// With sequential scans priced out (the test tables are small enough for the planner to prefer reading them whole),
    /// a step that still reads a table sequentially has no index to use.
    /// </summary>
    private protected override async Task<List<string>> PlanAsync(string sql, Dictionary<string, object?> parameters)
    {
        await using var connection = new Npgsql.NpgsqlConnection(db.ConnectionString);
        await connection.OpenAsync();
        await using (var off = new Npgsql.NpgsqlCommand("SET enable_seqscan = off", connection))
        {
            await off.ExecuteNonQueryAsync();
        }
        await using var explain = new Npgsql.NpgsqlCommand("EXPLAIN " + sql, connection);
        foreach (var p in parameters)
        {
            explain.Parameters.AddWithValue(p.Key, p.Value ?? DBNull.Value);
        }
        var plan = new List<string>();
        await using var reader = await explain.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            plan.Add(reader.GetString(0));
        }
        return plan;
    }

    private protected override bool FullScanOfABigTable(string step) => step.Contains("Seq Scan on", StringComparison.Ordinal);
}
