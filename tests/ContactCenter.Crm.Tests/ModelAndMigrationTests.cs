using ContactCenter.Contracts;
using ContactCenter.Crm.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Options;

namespace ContactCenter.Crm.Tests;

/// <summary>The CRM's migrations and model on each provider the tests can run (SQL Server's script is checked below).</summary>
public abstract class ModelAndMigrationTests(CrmProvider provider)
{
    /// <summary>SQL giving the names of the tables (<c>Value</c>).</summary>
    private protected abstract string TablesSql { get; }

    /// <summary>SQL giving the names of the indexes (<c>Value</c>).</summary>
    private protected abstract string IndexesSql { get; }

    [Fact]
    public async Task Migrations_create_every_table_and_index_on_an_empty_database_and_match_the_model()
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await db.WithAsync(async (ctx, _) =>
        {
            Assert.Empty(await ctx.Database.GetPendingMigrationsAsync());
            Assert.NotEmpty(await ctx.Database.GetAppliedMigrationsAsync());
            Assert.False(ctx.Database.HasPendingModelChanges(), $"the model changed without a {provider} migration: run Data/Migrations/add-migration.sh");
            var tables = await ctx.Database.SqlQueryRaw<string>(TablesSql).ToListAsync();
            foreach (var table in new[] { "Customers", "CustomerPhones", "Interactions", "ServiceCases", "CaseNotes", "AuditEntries", "People", "PersonSkills", "PersonQueues" })
            {
                Assert.Contains(table, tables);
            }
            var indexes = await ctx.Database.SqlQueryRaw<string>(IndexesSql).ToListAsync();
            Assert.Contains("IX_CustomerPhones_E164", indexes);
            Assert.Contains("IX_Interactions_CustomerId_StartedAt", indexes);
            Assert.Contains("IX_ServiceCases_CustomerId_Status", indexes);
            Assert.Contains("IX_ServiceCases_Number", indexes);
        });
    }

    [Fact]
    public async Task A_time_with_any_offset_is_stored_and_found_as_the_same_instant()
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var callId = Guid.NewGuid();
        // 16:00 in Paris in summer time is 14:00 UTC; PostgreSQL's timestamptz takes UTC only.
        var paris = new DateTimeOffset(2026, 7, 20, 16, 0, 0, TimeSpan.FromHours(2));
        await db.WithAsync(async (ctx, _) =>
        {
            ctx.Interactions.Add(new Interaction { CallId = callId, StartedAt = paris, EndedAt = paris.AddMinutes(5) });
            await ctx.SaveChangesAsync();
        });
        var utc = new DateTimeOffset(2026, 7, 20, 14, 0, 0, TimeSpan.Zero);
        var found = await db.WithAsync((ctx, _) => ctx.Interactions.AsNoTracking()
            .Where(i => i.StartedAt >= paris.AddSeconds(-1) && i.StartedAt <= utc.AddSeconds(1)).ToListAsync());
        var row = Assert.Single(found);
        Assert.Equal(callId, row.CallId);
        Assert.Equal(utc, row.StartedAt);
        Assert.Equal(TimeSpan.Zero, row.StartedAt.Offset);
        Assert.Equal(utc.AddMinutes(5), row.EndedAt);
    }

    [Fact]
    public async Task Migrating_twice_is_harmless()
    {
        await using var db = await TestDatabase.CreateAsync(provider, seed: true);
        await db.Services.MigrateCrmDatabaseAsync(CancellationToken.None);
        Assert.Equal(4, await db.WithAsync((ctx, _) => ctx.People.CountAsync()));
    }

    [Fact]
    public async Task A_phone_number_belongs_to_one_customer_only()
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await db.WithAsync(async (ctx, _) =>
        {
            ctx.Customers.Add(new Customer { Id = Guid.NewGuid(), Name = "A", Phones = [new CustomerPhone { Id = Guid.NewGuid(), E164 = "+442079460001" }] });
            await ctx.SaveChangesAsync();
            ctx.Customers.Add(new Customer { Id = Guid.NewGuid(), Name = "B", Phones = [new CustomerPhone { Id = Guid.NewGuid(), E164 = "+442079460001" }] });
            await Assert.ThrowsAsync<DbUpdateException>(() => ctx.SaveChangesAsync());
        });
    }

    [Fact]
    public async Task Case_versions_change_on_every_save_and_a_stale_version_is_refused()
    {
        await using var db = await TestDatabase.CreateAsync(provider, seed: true);
        var id = await db.WithAsync((ctx, _) => ctx.Cases.Select(c => c.Id).FirstAsync());
        var first = await db.WithAsync((ctx, _) => ctx.Cases.AsNoTracking().SingleAsync(c => c.Id == id));
        await db.WithAsync(async (ctx, _) =>
        {
            var c = await ctx.Cases.SingleAsync(x => x.Id == id);
            c.Subject += " (edited)";
            await ctx.SaveChangesAsync();
            Assert.NotEqual(first.Version, c.Version);
        });
        await db.WithAsync(async (ctx, _) =>
        {
            var c = await ctx.Cases.SingleAsync(x => x.Id == id);
            ctx.Entry(c).Property(x => x.Version).OriginalValue = first.Version;
            c.Subject = "stale edit";
            await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => ctx.SaveChangesAsync());
        });
    }

    [Fact]
    public async Task Demo_seed_has_the_people_and_customers_the_readme_lists()
    {
        await using var db = await TestDatabase.CreateAsync(provider, seed: true);
        await db.WithAsync(async (ctx, _) =>
        {
            var people = await ctx.People.Include(p => p.Skills).Include(p => p.Queues).AsSplitQuery().ToDictionaryAsync(p => p.Login);
            Assert.Equal(["alice", "bob", "carol", "sam"], people.Keys.Order());
            Assert.Equal(PersonRole.Supervisor, people["sam"].Role);
            Assert.Equal(5, people["alice"].Skills.Single(s => s.Skill == "support").Level);
            Assert.Equal(2, people["alice"].Skills.Single(s => s.Skill == "billing").Level);
            Assert.Equal(3, people["bob"].Skills.Single(s => s.Skill == "support").Level);
            Assert.Equal(5, people["carol"].Skills.Single(s => s.Skill == "billing").Level);
            Assert.Equal(People.Credentials.Verdict.Succeeded, People.Credentials.Verify(people["bob"], "demo"));
            Assert.Equal(DemoSeeder.CustomerCount, await ctx.Customers.CountAsync());

            var ada = await ctx.Customers.SingleAsync(c => c.Name == "Ada Lovelace");
            Assert.Equal(CustomerTier.Gold, ada.Tier);
            var adaOpen = await ctx.Cases.Where(c => c.CustomerId == ada.Id && c.Status == CaseStatus.Open).ToListAsync();
            Assert.Contains(adaOpen, c => c.Priority == CasePriority.High && c.OwnerAgentId == "alice");
            var alan = await ctx.Customers.SingleAsync(c => c.Name == "Alan Turing");
            Assert.Equal("+441614960000", (await ctx.CustomerPhones.SingleAsync(p => p.CustomerId == alan.Id)).E164);
            var alanCases = await ctx.Cases.Where(c => c.CustomerId == alan.Id).Select(c => c.Status).ToListAsync();
            Assert.NotEmpty(alanCases);
            Assert.All(alanCases, s => Assert.Equal(CaseStatus.Closed, s));
        });
    }

    [Fact]
    public async Task Demo_seed_is_deterministic()
    {
        await using var a = await TestDatabase.CreateAsync(provider, seed: true);
        await using var b = await TestDatabase.CreateAsync(provider, seed: true);
        static Task<List<string>> Snapshot(TestDatabase db) => db.WithAsync((ctx, _) =>
            ctx.Interactions.OrderBy(i => i.CallId).Select(i => i.CallId + i.Caller + i.Outcome + i.TalkSeconds + i.StartedAt.ToString()).ToListAsync());
        Assert.Equal(await Snapshot(a), await Snapshot(b));
    }
}

public sealed class ModelAndMigrationTestsOnSqlite() : ModelAndMigrationTests(CrmProvider.Sqlite)
{
    private protected override string TablesSql => "SELECT name AS Value FROM sqlite_master WHERE type = 'table'";

    private protected override string IndexesSql => "SELECT name AS Value FROM sqlite_master WHERE type = 'index'";

    [Fact]
    public async Task The_database_is_the_file_named_in_the_connection_string()
    {
        await using var db = await TestDatabase.CreateAsync(CrmProvider.Sqlite);
        Assert.True(File.Exists(db.FilePath));
    }
}

public sealed class ModelAndMigrationTestsOnPostgreSql() : ModelAndMigrationTests(CrmProvider.PostgreSql)
{
    private protected override string TablesSql => "SELECT tablename AS \"Value\" FROM pg_tables WHERE schemaname = 'public'";

    private protected override string IndexesSql => "SELECT indexname AS \"Value\" FROM pg_indexes WHERE schemaname = 'public'";

    [Fact]
    public async Task Times_are_timestamptz_and_the_case_version_is_stamped_bytea()
    {
        await using var db = await TestDatabase.CreateAsync(CrmProvider.PostgreSql);
        var types = await db.WithAsync((ctx, _) => ctx.Database.SqlQueryRaw<string>(
            "SELECT table_name || '.' || column_name || ' ' || data_type AS \"Value\" FROM information_schema.columns WHERE table_schema = 'public'")
            .ToListAsync());
        Assert.Contains("Interactions.StartedAt timestamp with time zone", types);
        Assert.Contains("ServiceCases.SlaDueAt timestamp with time zone", types);
        Assert.Contains("ServiceCases.Version bytea", types);
        Assert.Contains("Customers.Id uuid", types);
    }

    [Fact]
    public async Task An_unreachable_server_is_an_error_naming_the_key()
    {
        // Nothing listens on port 1: the connection is refused.
        await using var db = await TestDatabaseWithout.MigrationAsync(new()
        {
            ["Database:Provider"] = "PostgreSql",
            ["ConnectionStrings:ContactCenter"] = "Host=127.0.0.1;Port=1;Database=contactcenter;Username=cc;Password=x;Timeout=3",
        });
        var error = await Assert.ThrowsAnyAsync<Exception>(() => db.Services.MigrateCrmDatabaseAsync(CancellationToken.None));
        Assert.Contains("ConnectionStrings:ContactCenter", error.Message, StringComparison.Ordinal);
    }
}

/// <summary>The database settings: wrong ones are one clear error naming the key; SQL Server's migration script.</summary>
public sealed class DatabaseSettingsTests
{
    [Fact]
    public void Sql_server_migration_script_has_the_tables_indexes_and_rowversion()
    {
        var options = new DbContextOptionsBuilder<SqlServerCrmDbContext>()
            .UseSqlServer("Server=nowhere;Database=ContactCenter;Trusted_Connection=True;TrustServerCertificate=True")
            .Options;
        using var ctx = new SqlServerCrmDbContext(options);
        Assert.Contains(ctx.Database.GetMigrations(), m => m.EndsWith("_InitialCreate", StringComparison.Ordinal));
        Assert.False(ctx.Database.HasPendingModelChanges(), "the model changed without a SQL Server migration: run Data/Migrations/add-migration.sh");
        var script = ctx.GetService<IMigrator>().GenerateScript(options: MigrationsSqlGenerationOptions.Idempotent);
        foreach (var table in new[] { "Customers", "CustomerPhones", "Interactions", "ServiceCases", "CaseNotes", "AuditEntries", "People", "PersonSkills", "PersonQueues" })
        {
            Assert.Contains($"CREATE TABLE [{table}]", script, StringComparison.Ordinal);
        }
        Assert.Contains("[Version] rowversion NOT NULL", script, StringComparison.Ordinal);
        Assert.Contains("CREATE UNIQUE INDEX [IX_CustomerPhones_E164] ON [CustomerPhones] ([E164])", script, StringComparison.Ordinal);
        Assert.Contains("CREATE INDEX [IX_Interactions_CustomerId_StartedAt] ON [Interactions] ([CustomerId], [StartedAt])", script, StringComparison.Ordinal);
        Assert.Contains("CREATE UNIQUE INDEX [IX_ServiceCases_Number] ON [ServiceCases] ([Number])", script, StringComparison.Ordinal);
        Assert.Contains("[StartedAt] datetimeoffset NOT NULL", script, StringComparison.Ordinal);
        Assert.Contains("__EFMigrationsHistory", script, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_provider_is_one_clear_error_naming_the_key()
    {
        await using var db = await TestDatabaseWithout.MigrationAsync(new() { ["Database:Provider"] = "Oracle" });
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => db.Services.MigrateCrmDatabaseAsync(CancellationToken.None));
        Assert.Contains("Database:Provider", error.Message, StringComparison.Ordinal);
        Assert.Contains("Oracle", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Sqlite", "Colour=blue")]
    [InlineData("SqlServer", "Nonsense Keyword=1")]
    [InlineData("PostgreSql", "Hots=db;Database=contactcenter")]
    [InlineData("PostgreSql", "Database=contactcenter;Username=cc")]
    public async Task Bad_connection_string_is_one_clear_error_naming_the_key(string provider, string connectionString)
    {
        await using var db = await TestDatabaseWithout.MigrationAsync(new()
        {
            ["Database:Provider"] = provider,
            ["ConnectionStrings:ContactCenter"] = connectionString,
        });
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => db.Services.MigrateCrmDatabaseAsync(CancellationToken.None));
        Assert.Contains("ConnectionStrings:ContactCenter", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unreachable_sqlite_file_is_an_error_naming_the_key()
    {
        var blocker = Path.GetTempFileName();
        try
        {
            // A folder cannot be created under a plain file.
            await using var db = await TestDatabaseWithout.MigrationAsync(new() { ["ConnectionStrings:ContactCenter"] = $"Data Source={blocker}/sub/crm.db" });
            var error = await Assert.ThrowsAnyAsync<Exception>(() => db.Services.MigrateCrmDatabaseAsync(CancellationToken.None));
            Assert.Contains("ConnectionStrings:ContactCenter", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(blocker);
            SqliteConnection.ClearAllPools();
        }
    }
}
