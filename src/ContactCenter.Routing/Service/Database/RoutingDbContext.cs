using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace ContactCenter.Routing.Service.Database;

/// <summary>One engine input of a partition's journal (write-ahead: committed before it is applied).</summary>
internal sealed class JournalRow
{
    public required string Partition { get; init; }
    public long Seq { get; init; }
    public DateTimeOffset At { get; init; }
    /// <summary>The <see cref="Engine.EngineInput"/> as JSON, as a file journal line holds it.</summary>
    public required string Input { get; init; }
}

/// <summary>A partition's compaction snapshot: the engine's whole state after journal entry <see cref="Seq"/>.</summary>
internal sealed class SnapshotRow
{
    public required string Partition { get; init; }
    public long Seq { get; set; }
    public DateTimeOffset At { get; set; }
    /// <summary>The <see cref="Engine.EngineState"/> as JSON.</summary>
    public required string State { get; set; }
}

/// <summary>
/// Who is a partition's active instance. <see cref="Token"/> (the fencing token) grows by one at every take-over and every
/// journal append checks it in its transaction; <see cref="Heartbeat"/> grows at every renewal, so a standby sees a holder
/// that stopped renewing on its own clock (no clock comparison between hosts). <see cref="Holder"/> is null once released.
/// </summary>
internal sealed class LeaseRow
{
    public required string Partition { get; init; }
    public string? Holder { get; set; }
    public long Token { get; set; }
    public long Heartbeat { get; set; }
    /// <summary>The holder's clock at its last renewal (for people reading the table; not compared by standbys).</summary>
    public DateTimeOffset RenewedAt { get; set; }
    /// <summary>Last journal entry the holder committed.</summary>
    public long LastSeq { get; set; }
}

/// <summary>
/// Routing's own tables (journal, snapshot, lease) when <c>Routing:JournalStore</c> is <c>Database</c>: active and standby
/// instances on different hosts share them. Routing never reads the CRM's tables. One subclass per provider
/// (<see cref="SqliteRoutingDbContext"/>, <see cref="SqlServerRoutingDbContext"/>, <see cref="PostgreSqlRoutingDbContext"/>) so
/// each keeps its own migrations, in their own history table.
/// </summary>
internal abstract class RoutingDbContext(DbContextOptions options) : DbContext(options)
{
    public const string HistoryTable = "__RoutingMigrationsHistory";

    public DbSet<JournalRow> Journal => Set<JournalRow>();
    public DbSet<SnapshotRow> Snapshots => Set<SnapshotRow>();
    public DbSet<LeaseRow> Leases => Set<LeaseRow>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<JournalRow>(b =>
        {
            b.ToTable("RoutingJournal");
            b.HasKey(r => new { r.Partition, r.Seq });
            b.Property(r => r.Partition).HasMaxLength(40);
            b.Property(r => r.Seq).ValueGeneratedNever();
        });
        modelBuilder.Entity<SnapshotRow>(b =>
        {
            b.ToTable("RoutingSnapshot");
            b.HasKey(r => r.Partition);
            b.Property(r => r.Partition).HasMaxLength(40);
        });
        modelBuilder.Entity<LeaseRow>(b =>
        {
            b.ToTable("RoutingLease");
            b.HasKey(r => r.Partition);
            b.Property(r => r.Partition).HasMaxLength(40);
            b.Property(r => r.Holder).HasMaxLength(200);
        });
    }
}

internal sealed class SqliteRoutingDbContext(DbContextOptions<SqliteRoutingDbContext> options) : RoutingDbContext(options);

internal sealed class SqlServerRoutingDbContext(DbContextOptions<SqlServerRoutingDbContext> options) : RoutingDbContext(options);

/// <summary>
/// Routing's tables on PostgreSQL. Times are <c>timestamptz</c>: written as UTC (Npgsql refuses any other offset). The lease
/// needs nothing of its own here: a take-over is one conditional UPDATE, which PostgreSQL re-checks against the row's newest
/// version once a concurrent writer's lock is released (READ COMMITTED), so of two racing standbys exactly one wins.
/// </summary>
internal sealed class PostgreSqlRoutingDbContext(DbContextOptions<PostgreSqlRoutingDbContext> options) : RoutingDbContext(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UtcDateTimeOffsetConverter>();
    }
}

/// <summary>Any offset to UTC on the way in, for PostgreSQL's <c>timestamptz</c> (the instant is kept, the offset is not).</summary>
internal sealed class UtcDateTimeOffsetConverter() : Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<DateTimeOffset, DateTimeOffset>(
    v => v.ToUniversalTime(),
    v => v.ToUniversalTime());

/// <summary>For <c>dotnet ef migrations add X --context SqliteRoutingDbContext</c>.</summary>
internal sealed class SqliteRoutingDesignTimeFactory : IDesignTimeDbContextFactory<SqliteRoutingDbContext>
{
    public SqliteRoutingDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteRoutingDbContext>()
            .UseSqlite("Data Source=design-time.db", o => o.MigrationsHistoryTable(RoutingDbContext.HistoryTable)).Options);
}

/// <summary>For <c>dotnet ef migrations add X --context SqlServerRoutingDbContext</c>; no server is contacted.</summary>
internal sealed class SqlServerRoutingDesignTimeFactory : IDesignTimeDbContextFactory<SqlServerRoutingDbContext>
{
    public SqlServerRoutingDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqlServerRoutingDbContext>()
            .UseSqlServer("Server=design-time;Database=ContactCenter;Trusted_Connection=True;TrustServerCertificate=True",
                o => o.MigrationsHistoryTable(RoutingDbContext.HistoryTable))
            .Options);
}

/// <summary>For <c>dotnet ef migrations add X --context PostgreSqlRoutingDbContext</c>; no server is contacted.</summary>
internal sealed class PostgreSqlRoutingDesignTimeFactory : IDesignTimeDbContextFactory<PostgreSqlRoutingDbContext>
{
    public PostgreSqlRoutingDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgreSqlRoutingDbContext>()
            .UseNpgsql("Host=design-time;Database=contactcenter;Username=contactcenter",
                o => o.MigrationsHistoryTable(RoutingDbContext.HistoryTable))
            .Options);
}
