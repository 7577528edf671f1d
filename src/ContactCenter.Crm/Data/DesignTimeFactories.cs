using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace ContactCenter.Crm.Data;

/// <summary>For <c>dotnet ef migrations add X --context SqliteCrmDbContext</c>.</summary>
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteCrmDbContext>
{
    public SqliteCrmDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteCrmDbContext>().UseSqlite("Data Source=design-time.db").Options);
}

/// <summary>For <c>dotnet ef migrations add X --context SqlServerCrmDbContext</c>; no server is contacted.</summary>
internal sealed class SqlServerDesignTimeFactory : IDesignTimeDbContextFactory<SqlServerCrmDbContext>
{
    public SqlServerCrmDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqlServerCrmDbContext>()
            .UseSqlServer("Server=design-time;Database=ContactCenter;Trusted_Connection=True;TrustServerCertificate=True")
            .Options);
}

/// <summary>For <c>dotnet ef migrations add X --context PostgreSqlCrmDbContext</c>; no server is contacted.</summary>
internal sealed class PostgreSqlDesignTimeFactory : IDesignTimeDbContextFactory<PostgreSqlCrmDbContext>
{
    public PostgreSqlCrmDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgreSqlCrmDbContext>()
            .UseNpgsql("Host=design-time;Database=contactcenter;Username=contactcenter")
            .Options);
}
