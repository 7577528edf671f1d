using ContactCenter.Reporting.Aggregation;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace ContactCenter.Reporting.Data;

/// <summary>
/// The reports' own tables (never the CRM's): the event record, the calls and agent states folded from it, the 15-minute
/// aggregates and the one state row. One subclass per provider (<see cref="SqliteReportingDbContext"/>,
/// <see cref="SqlServerReportingDbContext"/>, <see cref="PostgreSqlReportingDbContext"/>), each with its own migrations in its own
/// history table, as the CRM's and routing's.
/// </summary>
internal abstract class ReportingDbContext(DbContextOptions options) : DbContext(options)
{
    public const string HistoryTable = "__ReportingMigrationsHistory";

    public DbSet<ReportEvent> Events => Set<ReportEvent>();
    public DbSet<ReportCall> Calls => Set<ReportCall>();
    public DbSet<ReportSegment> Segments => Set<ReportSegment>();
    public DbSet<ReportAgentState> AgentStates => Set<ReportAgentState>();
    public DbSet<ReportQueueInterval> QueueIntervals => Set<ReportQueueInterval>();
    public DbSet<ReportAgentInterval> AgentIntervals => Set<ReportAgentInterval>();
    public DbSet<ReportQueueHour> QueueHours => Set<ReportQueueHour>();
    public DbSet<ReportAgentHour> AgentHours => Set<ReportAgentHour>();
    public DbSet<ReportStateRow> State => Set<ReportStateRow>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<ReportEvent>(b =>
        {
            b.ToTable("ReportEvents");
            b.HasKey(e => e.Seq);
            b.Property(e => e.Seq).ValueGeneratedOnAdd();
            b.Property(e => e.Key).HasMaxLength(16).IsFixedLength();
            b.HasIndex(e => e.Key).IsUnique();
            b.Property(e => e.Kind).HasConversion<int>();
            b.Property(e => e.AgentId).HasMaxLength(100);
            b.Property(e => e.Queue).HasMaxLength(100);
            b.Property(e => e.Other).HasMaxLength(100);
            b.Property(e => e.Text).HasMaxLength(400);
            b.HasIndex(e => e.CallId);
            b.HasIndex(e => new { e.AgentId, e.At });
            b.HasIndex(e => new { e.Kind, e.At });
        });
        modelBuilder.Entity<ReportCall>(b =>
        {
            b.ToTable("ReportCalls");
            b.HasKey(c => c.CallId);
            b.Property(c => c.Caller).HasMaxLength(64);
            b.Property(c => c.Did).HasMaxLength(64);
            b.Property(c => c.Queue).HasMaxLength(100);
            b.Property(c => c.AgentId).HasMaxLength(100);
            b.Property(c => c.IvrPath).HasMaxLength(400);
        });
        modelBuilder.Entity<ReportSegment>(b =>
        {
            b.ToTable("ReportSegments");
            b.HasKey(s => new { s.CallId, s.No });
            b.Property(s => s.Queue).HasMaxLength(100);
            b.Property(s => s.AgentId).HasMaxLength(100);
            b.HasIndex(s => new { s.Queue, s.LeftAt });
            b.HasIndex(s => new { s.Queue, s.EnteredAt });
        });
        modelBuilder.Entity<ReportAgentState>(b =>
        {
            b.ToTable("ReportAgentStates");
            b.HasKey(s => new { s.AgentId, s.StartAt });
            b.Property(s => s.AgentId).HasMaxLength(100);
            b.Property(s => s.Reason).HasMaxLength(200);
            // The open states (one per agent), found without a scan: the agent-time tick reads them every few seconds.
            b.HasIndex(s => s.EndAt).HasFilter("\"EndAt\" IS NULL").HasDatabaseName("IX_ReportAgentStates_Open");
        });
        modelBuilder.Entity<ReportQueueInterval>(b =>
        {
            b.ToTable("ReportQueueIntervals");
            b.HasKey(q => new { q.Queue, q.Start });
            b.Property(q => q.Queue).HasMaxLength(100);
            b.HasIndex(q => q.Start);
        });
        modelBuilder.Entity<ReportAgentInterval>(b =>
        {
            b.ToTable("ReportAgentIntervals");
            b.HasKey(a => new { a.AgentId, a.Start });
            b.Property(a => a.AgentId).HasMaxLength(100);
            b.HasIndex(a => a.Start);
        });
        modelBuilder.Entity<ReportQueueHour>(b =>
        {
            b.ToTable("ReportQueueHours");
            b.HasKey(q => new { q.Queue, q.Start });
            b.Property(q => q.Queue).HasMaxLength(100);
            b.HasIndex(q => q.Start);
        });
        modelBuilder.Entity<ReportAgentHour>(b =>
        {
            b.ToTable("ReportAgentHours");
            b.HasKey(a => new { a.AgentId, a.Start });
            b.Property(a => a.AgentId).HasMaxLength(100);
            b.HasIndex(a => a.Start);
        });
        modelBuilder.Entity<ReportStateRow>(b =>
        {
            b.ToTable("ReportState");
            b.HasKey(s => s.Id);
            b.Property(s => s.Id).ValueGeneratedNever();
            b.HasData(new ReportStateRow { Id = 1, AsOf = 0, Version = 0 });
        });
    }
}

/// <summary>The reports' tables on SQLite (the embedded default). Ids are stored as 16-byte blobs, not 36-character text.</summary>
internal sealed class SqliteReportingDbContext(DbContextOptions<SqliteReportingDbContext> options) : ReportingDbContext(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.Properties<Guid>().HaveConversion<GuidToBytesConverter>();
    }
}

internal sealed class SqlServerReportingDbContext(DbContextOptions<SqlServerReportingDbContext> options) : ReportingDbContext(options);

internal sealed class PostgreSqlReportingDbContext(DbContextOptions<PostgreSqlReportingDbContext> options) : ReportingDbContext(options);

/// <summary>For <c>dotnet ef migrations add X --context SqliteReportingDbContext</c>.</summary>
internal sealed class SqliteReportingDesignTimeFactory : IDesignTimeDbContextFactory<SqliteReportingDbContext>
{
    public SqliteReportingDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteReportingDbContext>()
            .UseSqlite("Data Source=design-time.db", o => o.MigrationsHistoryTable(ReportingDbContext.HistoryTable)).Options);
}

/// <summary>For <c>dotnet ef migrations add X --context SqlServerReportingDbContext</c>; no server is contacted.</summary>
internal sealed class SqlServerReportingDesignTimeFactory : IDesignTimeDbContextFactory<SqlServerReportingDbContext>
{
    public SqlServerReportingDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqlServerReportingDbContext>()
            .UseSqlServer("Server=design-time;Database=ContactCenter;Trusted_Connection=True;TrustServerCertificate=True",
                o => o.MigrationsHistoryTable(ReportingDbContext.HistoryTable))
            .Options);
}

/// <summary>For <c>dotnet ef migrations add X --context PostgreSqlReportingDbContext</c>; no server is contacted.</summary>
internal sealed class PostgreSqlReportingDesignTimeFactory : IDesignTimeDbContextFactory<PostgreSqlReportingDbContext>
{
    public PostgreSqlReportingDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgreSqlReportingDbContext>()
            .UseNpgsql("Host=design-time;Database=contactcenter;Username=contactcenter",
                o => o.MigrationsHistoryTable(ReportingDbContext.HistoryTable))
            .Options);
}
