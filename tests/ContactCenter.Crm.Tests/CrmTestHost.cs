using System.IdentityModel.Tokens.Jwt;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using ContactCenter.Crm.Data;
using ContactCenter.Testing;
using MassTransit;
using MassTransit.Testing;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.Tokens;

namespace ContactCenter.Crm.Tests;

/// <summary>
/// The CRM as the host composes it: a real database (a SQLite file in a temp folder, or a PostgreSQL database of its own on
/// the test run's server), migrated and seeded, JWT bearer auth set up as the brief says (policies agent and supervisor), the
/// MassTransit test harness as the bus, and an HTTP client through TestServer.
/// </summary>
public abstract class CrmTestHost(CrmProvider provider) : IAsyncLifetime
{
    public const string SigningKey = "test-signing-key-that-is-long-enough-0123456789";

    private readonly string folder = Path.Combine(Path.GetTempPath(), "crm-tests-" + Guid.NewGuid().ToString("N"));
    private WebApplication? app;
    private TestPostgres? postgres;

    public CrmProvider Provider => provider;

    public FakeTimeProvider Time { get; } = new(TimeProvider.System.GetUtcNow());

    public WebApplication App => app ?? throw new InvalidOperationException("Host not started");

    public IServiceProvider Services => App.Services;

    public ITestHarness Harness => Services.GetRequiredService<ITestHarness>();

    public string DatabasePath => Path.Combine(folder, "data", "crm.db");

    /// <summary>Where the CRM looks for voicemail files (<c>Crm:VoicemailPath</c>).</summary>
    public string VoicemailFolder => Path.Combine(folder, "data", "voicemail");

    public async Task InitializeAsync()
    {
        if (provider == CrmProvider.PostgreSql)
        {
            postgres = await TestPostgres.CreateAsync();
        }
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Database:Provider"] = provider.ToString(),
            ["ConnectionStrings:ContactCenter"] = postgres?.ConnectionString ?? $"Data Source={DatabasePath}",
            ["Demo:Seed"] = "true",
            ["Auth:SigningKey"] = SigningKey,
            ["Crm:DefaultRegion"] = "GB",
            ["Crm:VoicemailPath"] = VoicemailFolder,
        });
        builder.Services.AddSingleton<TimeProvider>(Time);
        builder.Services.AddCrm(builder.Configuration);
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(o =>
        {
            o.MapInboundClaims = false;
            o.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = "ContactCenter",
                ValidAudience = "ContactCenter",
                IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(SigningKey)),
                NameClaimType = "name",
                RoleClaimType = "role",
            };
        });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy("agent", p => p.RequireRole("agent", "supervisor"))
            .AddPolicy("supervisor", p => p.RequireRole("supervisor"));
        builder.Services.AddMassTransitTestHarness(bus => bus.AddCrmConsumers());
        app = builder.Build();
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
        app.MapCrm();
        app.MapHealthChecks("/health/ready");
        await app.Services.MigrateCrmDatabaseAsync(CancellationToken.None);
        await app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
        if (postgres is not null)
        {
            await postgres.DisposeAsync();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp folder left behind is harmless.
        }
    }

    public HttpClient Client(string? login = null, string role = "agent")
    {
        var client = App.GetTestClient();
        if (login is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(login, role));
        }
        return client;
    }

    /// <summary>A token signed the way the brief says, without going through /api/auth/token.</summary>
    public static string Token(string login, string role)
    {
        var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(SigningKey));
        var token = new JwtSecurityToken(
            issuer: "ContactCenter",
            audience: "ContactCenter",
            claims: [new Claim("sub", login), new Claim("name", login), new Claim("role", role)],
            expires: TimeProvider.System.GetUtcNow().UtcDateTime.AddHours(1),
            signingCredentials: new SigningCredentials(key, SecurityAlgorithms.HmacSha256));
        return new JwtSecurityTokenHandler().WriteToken(token);
    }

    internal async Task<T> WithDbAsync<T>(Func<CrmDbContext, Task<T>> action)
    {
        await using var scope = Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<CrmDbContext>());
    }
}

/// <summary>The CRM on a SQLite file (the embedded default).</summary>
public sealed class SqliteCrmTestHost() : CrmTestHost(CrmProvider.Sqlite);

/// <summary>The CRM on a PostgreSQL database of its own on the test run's server.</summary>
public sealed class PostgreSqlCrmTestHost() : CrmTestHost(CrmProvider.PostgreSql);
