using ContactCenter.Crm.Cases;
using ContactCenter.Crm.Customers;
using ContactCenter.Crm.Data;
using ContactCenter.Crm.Interactions;
using ContactCenter.Crm.People;
using ContactCenter.Crm.Phones;
using ContactCenter.Crm.ScreenPop;
using MassTransit;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ContactCenter.Crm;

/// <summary>
/// The CRM module: customers, interactions, service cases, the people directory, the
/// customer-360 and screen pop, and the REST API under /api (customers, cases, agents, auth).
/// </summary>
public static class CrmModule
{
    internal const string OpenApiDocument = "crm";

    /// <summary>Registers the CRM's database (Database:Provider, ConnectionStrings:ContactCenter), options and services.</summary>
    public static IServiceCollection AddCrm(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.AddMemoryCache();

        services.AddOptions<CrmOptions>()
            .Bind(configuration.GetSection("Crm"))
            .Configure(o =>
            {
                o.SipRealm = configuration["Sip:Realm"] is { Length: > 0 } realm ? realm : o.SipRealm;
                o.DemoSeed = configuration.GetValue("Demo:Seed", false);
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<CrmOptions>, CrmOptionsValidator>();

        var database = ReadDatabase(configuration);
        services.AddOptions<CrmDatabaseOptions>()
            .Configure(o =>
            {
                o.Provider = database.Provider;
                o.ConnectionString = database.ConnectionString;
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<CrmDatabaseOptions>, CrmDatabaseOptionsValidator>();

        services.AddOptions<CrmAuthOptions>().Bind(configuration.GetSection("Auth")).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CrmAuthOptions>, CrmAuthOptionsValidator>();

        if (database.IsSqlServer)
        {
            services.AddDbContextPool<CrmDbContext, SqlServerCrmDbContext>((sp, o) =>
                o.UseSqlServer(Database(sp).ConnectionString, sql => sql.EnableRetryOnFailure()));
        }
        else if (database.IsPostgreSql)
        {
            services.AddDbContextPool<CrmDbContext, PostgreSqlCrmDbContext>((sp, o) =>
                o.UseNpgsql(Database(sp).ConnectionString, npgsql => npgsql.EnableRetryOnFailure()));
        }
        else
        {
            // Sqlite, and an unknown provider: that one fails validation at start with the key named.
            services.AddSingleton<SqlitePragmaInterceptor>();
            services.AddSingleton<SqliteReadContexts>();
            services.AddDbContextPool<CrmDbContext, SqliteCrmDbContext>((sp, o) =>
                o.UseSqlite(Database(sp).ConnectionString).AddInterceptors(sp.GetRequiredService<SqlitePragmaInterceptor>()));
        }
        services.AddHealthChecks().AddDbContextCheck<CrmDbContext>("crm-database", tags: ["ready"]);

        services.AddSingleton<PhoneNumberNormalizer>();
        services.AddSingleton<ScreenPopCache>();
        services.AddSingleton<TokenIssuer>();
        services.AddSingleton<SignInThrottle>();
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy(AuthApi.RateLimitPolicy, http =>
            {
                var auth = http.RequestServices.GetRequiredService<IOptions<CrmAuthOptions>>().Value;
                return RateLimitPartition.GetFixedWindowLimiter(
                    http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = auth.SignInPermitsPerAddress, Window = auth.SignInWindow, QueueLimit = 0 });
            });
            o.OnRejected = async (context, ct) =>
            {
                if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
                {
                    context.HttpContext.Response.Headers.RetryAfter =
                        Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                }
                await context.HttpContext.Response.WriteAsJsonAsync(
                    new { status = 429, title = "Too many sign-in attempts from this address.", detail = "Try again later." }, ct);
            };
        });
        services.AddScoped<Customer360Query>();
        services.AddSingleton<InteractionWriter>();
        services.AddScoped<InteractionRecorder>();

        services.AddProblemDetails();
        services.AddOpenApi(OpenApiDocument, o => o.ShouldInclude = d => d.GroupName == OpenApiDocument);
        return services;
    }

    /// <summary>Registers the CRM's consumers: interaction recording, caller identification and screen pop, the IVR's IdentifyCaller and GetCaseStatus requests, the directory.</summary>
    public static void AddCrmConsumers(this IBusRegistrationConfigurator bus)
    {
        ArgumentNullException.ThrowIfNull(bus);
        bus.AddConsumer<RecordCallReceivedConsumer, RecordCallReceivedDefinition>();
        bus.AddConsumer<RecordCallQueuedConsumer, RecordCallQueuedDefinition>();
        bus.AddConsumer<RecordAgentReservedConsumer, RecordAgentReservedDefinition>();
        bus.AddConsumer<RecordCallConnectedConsumer, RecordCallConnectedDefinition>();
        bus.AddConsumer<RecordOfferAcceptedConsumer, RecordOfferAcceptedDefinition>();
        bus.AddConsumer<RecordCallEndedConsumer, RecordCallEndedDefinition>();
        bus.AddConsumer<RecordWrapUpConsumer, RecordWrapUpDefinition>();
        bus.AddConsumer<RecordCallTakenOverConsumer, RecordCallTakenOverDefinition>();
        bus.AddConsumer<Monitoring.RecordMonitoringConsumer, Monitoring.RecordMonitoringDefinition>();
        bus.AddConsumer<CallbackGivenUpConsumer, CallbackGivenUpDefinition>();
        bus.AddConsumer<RecordVoicemailConsumer, RecordVoicemailDefinition>();
        bus.AddConsumer<RecordOutboundCallConsumer, RecordOutboundCallDefinition>();
        bus.AddConsumer<CheckOutboundNumberConsumer, CheckOutboundNumberDefinition>();
        bus.AddConsumer<IdentifyCallerConsumer, IdentifyCallerDefinition>();
        bus.AddConsumer<ScreenPopConsumer, ScreenPopDefinition>();
        bus.AddConsumer<IdentifyCallerRequestConsumer, IdentifyCallerRequestDefinition>();
        bus.AddConsumer<CaseStatusRequestConsumer, CaseStatusRequestDefinition>();
        bus.AddConsumer<GetAgentProfilesConsumer, GetAgentProfilesDefinition>();
        bus.AddConsumer<VerifySipDigestConsumer, VerifySipDigestDefinition>();
        bus.AddConsumer<GetSecurityStampConsumer, GetSecurityStampDefinition>();
    }

    /// <summary>Maps /api/auth/token, /api/customers, /api/cases, /api/agents and the OpenAPI document /openapi/crm.json.</summary>
    public static IEndpointRouteBuilder MapCrm(this IEndpointRouteBuilder app)
    {
        app.MapAuthApi();
        app.MapCustomersApi();
        app.MapCasesApi();
        app.MapInteractionsApi();
        app.MapAgentsApi();
        Monitoring.MonitoringApi.MapMonitoringApi(app);
        // Only this document's name matches, so other modules may map their own documents beside it.
        app.MapOpenApi("/openapi/{documentName:regex(^crm$)}.json");
        return app;
    }

    /// <summary>
    /// Creates or upgrades the CRM's database with its migrations and, when <c>Demo:Seed</c> is
    /// true and the database is empty, seeds the demo people, customers and cases. Throws
    /// <see cref="OptionsValidationException"/> or <see cref="InvalidOperationException"/> with one
    /// message naming the setting at fault.
    /// </summary>
    public static async Task MigrateCrmDatabaseAsync(this IServiceProvider services, CancellationToken ct)
    {
        var database = services.GetRequiredService<IOptions<CrmDatabaseOptions>>().Value;
        var options = services.GetRequiredService<IOptions<CrmOptions>>().Value;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(CrmModule));
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CrmDbContext>();
        try
        {
            if (database.IsSqlite)
            {
                var file = new SqliteConnectionStringBuilder(database.ConnectionString).DataSource;
                if (!string.Equals(file, ":memory:", StringComparison.Ordinal)
                    && Path.GetDirectoryName(Path.GetFullPath(file)) is { Length: > 0 } folder)
                {
                    System.IO.Directory.CreateDirectory(folder);
                }
            }
            await db.Database.MigrateAsync(ct);
            if (database.IsSqlite)
            {
                // Readers never wait for the writer; writers wait (busy timeout) instead of failing.
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OptionsValidationException)
        {
            throw new InvalidOperationException(
                $"ConnectionStrings:ContactCenter: cannot open or migrate the {database.Provider} database: {ex.Message}", ex);
        }
        if (options.DemoSeed)
        {
            var time = services.GetRequiredService<TimeProvider>();
            await DemoSeeder.SeedAsync(db, time, options.SipRealm, ct);
            logger.LogInformation("CRM database ready (demo data seeded when it was empty)");
        }
        else
        {
            logger.LogInformation("CRM database ready");
        }
    }

    private static CrmDatabaseOptions ReadDatabase(IConfiguration configuration) => new()
    {
        Provider = configuration["Database:Provider"] is { Length: > 0 } p ? p.Trim() : "Sqlite",
        ConnectionString = configuration.GetConnectionString("ContactCenter") is { Length: > 0 } cs
            ? cs
            : CrmDatabaseOptions.DefaultConnectionString,
    };

    private static CrmDatabaseOptions Database(IServiceProvider sp) => sp.GetRequiredService<IOptions<CrmDatabaseOptions>>().Value;
}
