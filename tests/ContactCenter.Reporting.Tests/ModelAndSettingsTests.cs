using ContactCenter.Contracts;
using ContactCenter.Reporting.Aggregation;
using ContactCenter.Reporting.Api;
using ContactCenter.Reporting.Configuration;
using ContactCenter.Reporting.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ContactCenter.Reporting.Tests;

/// <summary>The reports' schema on each provider, the columns the code writes, and the settings checked at start.</summary>
public sealed class ModelAndSettingsTests
{
    [Fact]
    public void Every_provider_has_its_migration_and_no_model_change_is_left_without_one()
    {
        using var sqlite = new SqliteReportingDesignTimeFactory().CreateDbContext([]);
        using var postgres = new PostgreSqlReportingDesignTimeFactory().CreateDbContext([]);
        using var sqlServer = new SqlServerReportingDesignTimeFactory().CreateDbContext([]);
        foreach (DbContext db in new DbContext[] { sqlite, postgres, sqlServer })
        {
            Assert.Contains(db.Database.GetMigrations(), m => m.EndsWith("_InitialReporting", StringComparison.Ordinal));
            Assert.False(db.Database.HasPendingModelChanges(), $"{db.GetType().Name}: the model changed without a migration: run Data/Migrations/add-migration.sh");
        }
    }

    [Fact]
    public void The_sql_server_script_creates_the_tables_with_the_unique_key_and_the_open_states_index()
    {
        using var db = new SqlServerReportingDesignTimeFactory().CreateDbContext([]);
        var script = db.GetService<IMigrator>().GenerateScript(options: MigrationsSqlGenerationOptions.Idempotent);
        foreach (var table in new[] { "ReportEvents", "ReportCalls", "ReportSegments", "ReportAgentStates", "ReportQueueIntervals", "ReportAgentIntervals", "ReportQueueHours", "ReportAgentHours", "ReportState" })
        {
            Assert.Contains($"CREATE TABLE [{table}]", script, StringComparison.Ordinal);
        }
        Assert.Contains("CREATE UNIQUE INDEX [IX_ReportEvents_Key] ON [ReportEvents] ([Key])", script, StringComparison.Ordinal);
        Assert.Contains("[Key] binary(16) NOT NULL", script, StringComparison.Ordinal);
        Assert.Contains("WHERE \"EndAt\" IS NULL", script, StringComparison.Ordinal);
        Assert.Contains("__ReportingMigrationsHistory", script, StringComparison.Ordinal);
        // The statements only SQL Server runs are built from the same column lists as the tables.
        Assert.StartsWith("MERGE \"ReportQueueIntervals\" WITH (HOLDLOCK)", SqlDialect.SqlServer.AddToIntervals(Subject.Queue, 2), StringComparison.Ordinal);
        Assert.Contains("OUTPUT inserted.\"Key\"", SqlDialect.SqlServer.InsertEvents(3), StringComparison.Ordinal);
        Assert.Contains("@p44", SqlDialect.SqlServer.InsertEvents(3), StringComparison.Ordinal);
    }

    [Fact]
    public void The_counter_columns_are_the_entities_properties_in_order()
    {
        Assert.Equal(Enum.GetNames<QueueCounter>(), typeof(ReportQueueInterval).GetProperties().Select(p => p.Name).Skip(2));
        Assert.Equal(Enum.GetNames<AgentCounter>(), typeof(ReportAgentInterval).GetProperties().Select(p => p.Name).Skip(2));
        Assert.Equal(Enum.GetNames<QueueCounter>(), typeof(ReportQueueHour).GetProperties().Select(p => p.Name).Skip(2));
        Assert.Equal(Enum.GetNames<AgentCounter>(), typeof(ReportAgentHour).GetProperties().Select(p => p.Name).Skip(2));
        Assert.Equal(SqlDialect.EventColumns, typeof(ReportEvent).GetProperties().Select(p => p.Name).Skip(1));
    }

    [Fact]
    public void The_csv_columns_are_the_json_names_in_order()
    {
        Assert.Equal("row", Csv.Columns<QueueReportRow>()[0].Name);
        Assert.Equal(["queue", "start", "end", "offered"], Csv.Columns<QueueReportRow>().Skip(1).Take(4).Select(c => c.Name));
        Assert.Contains("serviceLevel", Csv.Columns<QueueReportRow>().Select(c => c.Name));
        var csv = Csv.Write([new ReportQueueSettings("a,b", "UTC", 0.8, 20, "left-queue", 5)]);
        Assert.Equal("queue,timeZone,serviceLevelTarget,serviceLevelThreshold,denominator,shortAbandon\r\n\"a,b\",UTC,0.8,20,left-queue,5\r\n", csv);
    }

    [Fact]
    public void The_queues_file_gives_each_queue_its_zone_and_service_level_settings()
    {
        var queues = ReportQueues.Parse("""
            timeZone: Europe/London
            shortAbandonSeconds: 8
            queues:
              - name: support
                serviceLevel: { percent: 90, seconds: 15, denominator: answered }
              - name: ny
                timeZone: America/New_York
                skills: [ { skill: x, level: 1 } ]
            """, "queues.yaml");
        var support = queues.Get("support");
        Assert.Equal((TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(8), ServiceLevelDenominator.Answered, 90.0),
            (support.Policy.Threshold, support.Policy.ShortAbandon, support.Policy.Denominator, support.TargetPercent));
        Assert.Equal("America/New_York", queues.Get("ny").TimeZone.Id);
        Assert.Equal(ServiceLevelDenominator.LeftQueue, queues.Get("ny").Policy.Denominator);
        Assert.Equal("Europe/London", queues.Get("gone").TimeZone.Id);
        var error = Assert.Throws<ReportQueuesException>(() => ReportQueues.Parse("""
            queues:
              - name: a
                serviceLevel: { seconds: 20, denominator: offered }
            """, "queues.yaml"));
        Assert.Contains("queues.yaml:3:", error.Message, StringComparison.Ordinal);
        Assert.Contains("queues[0].serviceLevel.denominator: 'offered' is not one of", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Reporting:MaxBatch", "0", "Reporting:MaxBatch: must be between 1 and 10000")]
    [InlineData("Reporting:QueuesFile", "/nowhere/queues.yaml", "Reporting:QueuesFile: file '/nowhere/queues.yaml' not found")]
    [InlineData("Database:Provider", "Oracle", "Database:Provider: 'Oracle' is not Sqlite, SqlServer or PostgreSql")]
    [InlineData("ConnectionStrings:Reporting", "Hots=db", "ConnectionStrings:Reporting: is not a valid PostgreSql connection string")]
    public void A_bad_setting_stops_start_up_naming_the_key(string key, string value, string message)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Telephony:ConfigPath"] = Path.Combine(RepositoryRoot(), "telephony-config"),
            ["ConnectionStrings:ContactCenter"] = "Data Source=unused.db",
            [key] = value,
        };
        if (key == "ConnectionStrings:Reporting")
        {
            settings["Database:Provider"] = "PostgreSql";
        }
        var services = new ServiceCollection().AddLogging().AddReporting(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        using var provider = services.BuildServiceProvider();
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ReportingOptions>>().Value);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Erlang_c_matches_the_textbook_example()
    {
        // 360 calls in 30 minutes, AHT 240 s: 48 Erlangs. Figures from the closed form evaluated directly (sums of A^k/k!):
        // 53 agents answer 75.2 % within 20 s, 54 agents 81.7 % (P(wait) 0.3013, ASA 12.05 s): 80/20 needs 54.
        var aht = TimeSpan.FromSeconds(240);
        Assert.Equal(48, 360 * aht.TotalSeconds / 1800, 9);
        Assert.Equal(54, Staffing.ErlangC.AgentsNeeded(360, TimeSpan.FromMinutes(30), aht, 0.8, TimeSpan.FromSeconds(20)));
        Assert.Equal(0.7518, Staffing.ErlangC.ServiceLevel(53, 48, aht, TimeSpan.FromSeconds(20)), 4);
        Assert.Equal(0.8172, Staffing.ErlangC.ServiceLevel(54, 48, aht, TimeSpan.FromSeconds(20)), 4);
        Assert.Equal(0.3013, Staffing.ErlangC.WaitProbability(54, 48), 4);
        Assert.Equal(12.05, Staffing.ErlangC.AverageSpeedOfAnswer(54, 48, aht).TotalSeconds, 2);
        Assert.Equal(1, Staffing.ErlangC.WaitProbability(48, 48));
        Assert.Equal(0, Staffing.ErlangC.AgentsNeeded(0, TimeSpan.FromMinutes(30), aht, 0.8, TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public void Local_days_and_hours_follow_the_clock_changes()
    {
        var london = TimeZoneInfo.FindSystemTimeZoneById("Europe/London");
        // 29 March 2026: clocks go forward at 01:00 GMT; the local day is 23 hours.
        var spring = new DateOnly(2026, 3, 29);
        var from = Periods.LocalToUtc(spring.ToDateTime(TimeOnly.MinValue), london);
        var to = Periods.LocalToUtc(spring.AddDays(1).ToDateTime(TimeOnly.MinValue), london);
        var day = Assert.Single(Periods.Of(from, to, ReportInterval.Day, london));
        Assert.Equal(TimeSpan.FromHours(23), TimeSpan.FromTicks(day.End - day.Start));
        Assert.Equal(23, Periods.Of(from, to, ReportInterval.Hour, london).Count);
        // 25 October 2026: back at 02:00 BST; 25 hours, the repeated 01:00 hour twice with its two offsets.
        var autumn = new DateOnly(2026, 10, 25);
        from = Periods.LocalToUtc(autumn.ToDateTime(TimeOnly.MinValue), london);
        to = Periods.LocalToUtc(autumn.AddDays(1).ToDateTime(TimeOnly.MinValue), london);
        var hours = Periods.Of(from, to, ReportInterval.Hour, london);
        Assert.Equal(25, hours.Count);
        Assert.Equal([TimeSpan.FromHours(1), TimeSpan.Zero], hours.Where(h => h.LocalStart.Hour == 1).Select(h => h.LocalStart.Offset));
        // A week starts on Monday; a half-hour zone's hours start at :30 UTC.
        var week = Periods.Of(new DateTimeOffset(2026, 3, 4, 0, 0, 0, TimeSpan.Zero).UtcTicks, new DateTimeOffset(2026, 3, 12, 0, 0, 0, TimeSpan.Zero).UtcTicks,
            ReportInterval.Week, TimeZoneInfo.Utc);
        Assert.Equal(DayOfWeek.Monday, week[1].LocalStart.DayOfWeek);
        var india = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata");
        var h = Periods.Of(new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero).UtcTicks, new DateTimeOffset(2026, 3, 2, 3, 0, 0, TimeSpan.Zero).UtcTicks,
            ReportInterval.Hour, india);
        Assert.Equal(30, new DateTimeOffset(h[1].Start, TimeSpan.Zero).Minute);
        Assert.Equal(0, h[1].LocalStart.Minute);
    }

    [Fact]
    public void Range_bounds_need_an_offset_or_a_day()
    {
        Assert.True(Bound.TryParse("2026-03-02", out var day) && day.Date is not null);
        Assert.True(Bound.TryParse("2026-03-02T09:00:00Z", out var utc) && utc.Instant is not null);
        Assert.True(Bound.TryParse("2026-03-02T09:00:00+05:30", out var offset) && offset.Instant!.Value.Offset == TimeSpan.FromMinutes(330));
        Assert.False(Bound.TryParse("2026-03-02T09:00:00", out _));
        Assert.False(Bound.TryParse("yesterday", out _));
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ContactCenter.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("repository root not found");
    }
}
