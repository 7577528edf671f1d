using System.Buffers.Binary;
using ContactCenter.Contracts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ContactCenter.Crm.Data;

/// <summary>
/// The CRM's model. One subclass per provider (<see cref="SqliteCrmDbContext"/>,
/// <see cref="SqlServerCrmDbContext"/>, <see cref="PostgreSqlCrmDbContext"/>) so each keeps its own migrations.
/// </summary>
internal abstract class CrmDbContext(DbContextOptions options) : DbContext(options)
{
    public DbSet<Customer> Customers => Set<Customer>();
    public DbSet<CustomerPhone> CustomerPhones => Set<CustomerPhone>();
    public DbSet<Interaction> Interactions => Set<Interaction>();
    public DbSet<ServiceCase> Cases => Set<ServiceCase>();
    public DbSet<CaseNote> CaseNotes => Set<CaseNote>();
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();
    public DbSet<Person> People => Set<Person>();
    public DbSet<MonitoringEvent> MonitoringEvents => Set<MonitoringEvent>();

    /// <summary>
    /// Customers whose name contains <paramref name="pattern"/> (a LIKE pattern escaped with a backslash), whatever the
    /// letters' case: SQLite's LIKE and SQL Server's default collation ignore case, PostgreSQL's LIKE does not.
    /// </summary>
    public virtual IQueryable<Customer> NameLike(IQueryable<Customer> customers, string pattern) =>
        customers.Where(c => EF.Functions.Like(c.Name, pattern, "\\"));

    /// <summary>True when the application stamps concurrency versions (SQLite and PostgreSQL have no rowversion).</summary>
    protected abstract bool StampsVersions { get; }

    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        StampVersions();
        return base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        StampVersions();
        return base.SaveChanges(acceptAllChangesOnSuccess);
    }

    private void StampVersions()
    {
        if (!StampsVersions)
        {
            return;
        }
        foreach (var entry in ChangeTracker.Entries())
        {
            if (entry.State is not (EntityState.Added or EntityState.Modified))
            {
                continue;
            }
            var version = entry.Entity switch
            {
                ServiceCase c => entry.Property(nameof(ServiceCase.Version)),
                Interaction => entry.Property(nameof(Interaction.Version)),
                _ => null,
            };
            if (version is null)
            {
                continue;
            }
            var current = version.OriginalValue as byte[];
            var next = new byte[8];
            var previous = current is { Length: 8 } ? BinaryPrimitives.ReadUInt64BigEndian(current) : 0UL;
            BinaryPrimitives.WriteUInt64BigEndian(next, previous + 1);
            version.CurrentValue = next;
        }
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Customer>(b =>
        {
            b.ToTable("Customers");
            b.Property(c => c.Name).HasMaxLength(200);
            b.Property(c => c.Tier).HasConversion<string>().HasMaxLength(16);
            b.Property(c => c.Language).HasMaxLength(16);
            b.Property(c => c.Email).HasMaxLength(254);
            b.Property(c => c.PreferredContact).HasConversion<string>().HasMaxLength(16);
            b.Property(c => c.Notes).HasMaxLength(4000);
            b.HasIndex(c => c.Name);
            b.HasMany(c => c.Phones).WithOne().HasForeignKey(p => p.CustomerId).OnDelete(DeleteBehavior.Cascade);
            b.HasMany(c => c.Interactions).WithOne().HasForeignKey(i => i.CustomerId).OnDelete(DeleteBehavior.SetNull);
            b.HasMany(c => c.Cases).WithOne().HasForeignKey(k => k.CustomerId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<CustomerPhone>(b =>
        {
            b.ToTable("CustomerPhones");
            b.Property(p => p.E164).HasMaxLength(20);
            b.Property(p => p.Label).HasMaxLength(32);
            b.HasIndex(p => p.E164).IsUnique();
            b.HasIndex(p => p.CustomerId);
        });

        modelBuilder.Entity<Interaction>(b =>
        {
            b.ToTable("Interactions");
            b.HasKey(i => i.CallId);
            b.Property(i => i.CallId).ValueGeneratedNever();
            b.Property(i => i.Caller).HasMaxLength(64);
            b.Property(i => i.Did).HasMaxLength(64);
            b.Property(i => i.GatewayId).HasMaxLength(64);
            b.Property(i => i.IvrPath).HasMaxLength(256);
            b.Property(i => i.Queue).HasMaxLength(64);
            b.Property(i => i.AgentId).HasMaxLength(64);
            b.Property(i => i.TakenOverFrom).HasMaxLength(64);
            b.Property(i => i.Outcome).HasConversion<string>().HasMaxLength(16);
            b.Property(i => i.EndedBy).HasConversion<string>().HasMaxLength(16);
            b.Property(i => i.EndReason).HasMaxLength(256);
            b.Property(i => i.Disposition).HasMaxLength(64);
            b.Property(i => i.Notes).HasMaxLength(4000);
            b.Property(i => i.RecordingPath).HasMaxLength(512);
            b.Property(i => i.Direction).HasConversion<string>().HasMaxLength(16).HasDefaultValue(CallDirection.Inbound).HasSentinel((CallDirection)(-1));
            b.Property(i => i.Dialled).HasMaxLength(64);
            b.Property(i => i.VoicemailPath).HasMaxLength(512);
            b.Property(i => i.VoicemailNote).HasMaxLength(256);
            b.Property(i => i.Transcript).HasMaxLength(8000);
            b.HasIndex(i => i.CallbackOf);
            ConfigureVersion(b.Property(i => i.Version));
            // The customer's history, newest first: WHERE CustomerId = @id ORDER BY StartedAt DESC.
            b.HasIndex(i => new { i.CustomerId, i.StartedAt });
            b.HasIndex(i => new { i.AgentId, i.StartedAt });
            b.HasOne<ServiceCase>().WithMany().HasForeignKey(i => i.CaseId).OnDelete(DeleteBehavior.SetNull);
        });

        modelBuilder.Entity<MonitoringEvent>(b =>
        {
            b.ToTable("MonitoringEvents");
            b.Property(e => e.SupervisorId).HasMaxLength(64);
            b.Property(e => e.AgentId).HasMaxLength(64);
            b.Property(e => e.Mode).HasConversion<string>().HasMaxLength(16);
            b.Property(e => e.Phase).HasConversion<string>().HasMaxLength(16);
            b.Property(e => e.Reason).HasMaxLength(256);
            b.HasIndex(e => new { e.MonitoringId, e.Sequence }).IsUnique();
            b.HasIndex(e => new { e.CallId, e.At });
            b.HasIndex(e => new { e.SupervisorId, e.At });
        });
        modelBuilder.Entity<ServiceCase>(b =>
        {
            b.ToTable("ServiceCases");
            b.Property(c => c.Id).ValueGeneratedNever();
            b.Property(c => c.Subject).HasMaxLength(200);
            b.Property(c => c.Description).HasMaxLength(4000);
            b.Property(c => c.Status).HasConversion<string>().HasMaxLength(16);
            b.Property(c => c.OwnerAgentId).HasMaxLength(64);
            ConfigureVersion(b.Property(c => c.Version));
            b.HasIndex(c => c.Number).IsUnique();
            // Open cases of a customer: WHERE CustomerId = @id AND Status IN ('Open','Pending').
            b.HasIndex(c => new { c.CustomerId, c.Status });
            b.HasIndex(c => new { c.OwnerAgentId, c.Status });
            b.HasMany(c => c.Notes).WithOne().HasForeignKey(n => n.CaseId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<CaseNote>(b =>
        {
            b.ToTable("CaseNotes");
            b.Property(n => n.Id).ValueGeneratedNever();
            b.Property(n => n.AuthorId).HasMaxLength(64);
            b.Property(n => n.Text).HasMaxLength(4000);
            b.HasIndex(n => new { n.CaseId, n.CreatedAt });
        });

        modelBuilder.Entity<AuditEntry>(b =>
        {
            b.ToTable("AuditEntries");
            b.Property(a => a.Actor).HasMaxLength(64);
            b.Property(a => a.Action).HasMaxLength(32);
            b.Property(a => a.Detail).HasMaxLength(256);
            b.HasIndex(a => new { a.CustomerId, a.At });
            b.HasIndex(a => new { a.Actor, a.At });
        });

        modelBuilder.Entity<Person>(b =>
        {
            b.ToTable("People");
            b.HasKey(p => p.Login);
            b.Property(p => p.Login).HasMaxLength(64);
            b.Property(p => p.DisplayName).HasMaxLength(200);
            b.Property(p => p.Role).HasConversion<string>().HasMaxLength(16);
            b.Property(p => p.Phone).HasConversion<string>().HasMaxLength(16).HasDefaultValue(PhoneKind.Both).HasSentinel((PhoneKind)(-1));
            b.Property(p => p.PasswordHash).HasMaxLength(256);
            b.Property(p => p.SecurityStamp).HasMaxLength(64);
            b.Property(p => p.SipRealm).HasMaxLength(128);
            b.Property(p => p.SipHa1Md5).HasMaxLength(32).IsFixedLength();
            b.Property(p => p.SipHa1Sha256).HasMaxLength(64).IsFixedLength();
            b.HasMany(p => p.Skills).WithOne().HasForeignKey(s => s.Login).OnDelete(DeleteBehavior.Cascade);
            b.HasMany(p => p.Queues).WithOne().HasForeignKey(q => q.Login).OnDelete(DeleteBehavior.Cascade);
            b.HasMany(p => p.SupervisedQueues).WithOne().HasForeignKey(q => q.Login).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<PersonSkill>(b =>
        {
            b.ToTable("PersonSkills");
            b.HasKey(s => new { s.Login, s.Skill });
            b.Property(s => s.Login).HasMaxLength(64);
            b.Property(s => s.Skill).HasMaxLength(64);
        });

        modelBuilder.Entity<PersonQueue>(b =>
        {
            b.ToTable("PersonQueues");
            b.HasKey(q => new { q.Login, q.Queue });
            b.Property(q => q.Login).HasMaxLength(64);
            b.Property(q => q.Queue).HasMaxLength(64);
            b.HasIndex(q => q.Queue);
        });

        modelBuilder.Entity<PersonSupervisedQueue>(b =>
        {
            b.ToTable("PersonSupervisedQueues");
            b.HasKey(q => new { q.Login, q.Queue });
            b.Property(q => q.Login).HasMaxLength(64);
            b.Property(q => q.Queue).HasMaxLength(64);
        });
    }

    /// <summary>SQL Server: a real rowversion; SQLite and PostgreSQL: a token stamped on every save.</summary>
    protected abstract void ConfigureVersion(PropertyBuilder<byte[]> version);
}

/// <summary>The CRM on SQLite (the embedded default). Times are stored as UTC ticks so they sort.</summary>
internal sealed class SqliteCrmDbContext(DbContextOptions<SqliteCrmDbContext> options) : CrmDbContext(options)
{
    protected override bool StampsVersions => true;

    protected override void ConfigureVersion(PropertyBuilder<byte[]> version) =>
        version.IsConcurrencyToken().HasMaxLength(8);

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UtcTicksConverter>();
    }
}

/// <summary>The CRM on SQL Server (production).</summary>
internal sealed class SqlServerCrmDbContext(DbContextOptions<SqlServerCrmDbContext> options) : CrmDbContext(options)
{
    protected override bool StampsVersions => false;

    protected override void ConfigureVersion(PropertyBuilder<byte[]> version) => version.IsRowVersion();
}

/// <summary>
/// The CRM on PostgreSQL (production). Times are <c>timestamptz</c>, which holds an instant and no offset: they are
/// written as UTC (Npgsql refuses any other offset) and read back as UTC, to the microsecond. The concurrency token is
/// stamped by the application, as on SQLite (<c>xmin</c> is not a byte[] version the API can hand out as an ETag).
/// </summary>
internal sealed class PostgreSqlCrmDbContext(DbContextOptions<PostgreSqlCrmDbContext> options) : CrmDbContext(options)
{
    protected override bool StampsVersions => true;

    protected override void ConfigureVersion(PropertyBuilder<byte[]> version) =>
        version.IsConcurrencyToken().HasMaxLength(8);

    public override IQueryable<Customer> NameLike(IQueryable<Customer> customers, string pattern) =>
        customers.Where(c => EF.Functions.ILike(c.Name, pattern, "\\"));

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UtcDateTimeOffsetConverter>();
    }
}

/// <summary>Any offset to UTC on the way in, for PostgreSQL's <c>timestamptz</c> (the instant is kept, the offset is not).</summary>
internal sealed class UtcDateTimeOffsetConverter() : Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<DateTimeOffset, DateTimeOffset>(
    v => v.ToUniversalTime(),
    v => v.ToUniversalTime());

/// <summary>DateTimeOffset as UTC ticks: SQLite can order and compare integers, not offsets.</summary>
internal sealed class UtcTicksConverter() : Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<DateTimeOffset, long>(
    v => v.UtcTicks,
    v => new DateTimeOffset(v, TimeSpan.Zero));
