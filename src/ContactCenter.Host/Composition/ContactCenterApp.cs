using ContactCenter.Host.Configuration;
using ContactCenter.Reporting;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace ContactCenter.Host.Composition;

/// <summary>Builds and runs one host process with the modules its <c>Services</c> setting names.</summary>
internal static class ContactCenterApp
{
    /// <summary>Exit code for a configuration or start-up error (one line on stderr says which key).</summary>
    public const int ConfigurationExitCode = 2;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length > 0 && string.Equals(args[0], "healthcheck", StringComparison.OrdinalIgnoreCase))
        {
            var probeConfiguration = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args[1..]).Build();
            return await HealthProbe.RunAsync(probeConfiguration);
        }

        var migrateOnly = args.Length > 0 && string.Equals(args[0], "migrate", StringComparison.OrdinalIgnoreCase);
        var rebuildReports = args.Length > 0 && string.Equals(args[0], "reports-rebuild", StringComparison.OrdinalIgnoreCase);
        // reports-rebuild runs the reports module alone, whatever Services says: it only reads and writes the reports' tables.
        var hostArgs = migrateOnly ? args[1..] : rebuildReports ? [.. args[1..], "--Services=Reporting"] : args;
        WebApplication app;
        HostSettings settings;
        try
        {
            (app, settings) = Build(hostArgs);
        }
        catch (ConfigurationError error)
        {
            return Fail($"Configuration error: {error.Message}");
        }
        catch (OptionsValidationException error)
        {
            return Fail($"Configuration error: {OneLine(error)}");
        }

        await using (app)
        {
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ContactCenter.Host");
            var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
            var migrateOnStart = app.Configuration.GetValue("Database:MigrateOnStart", settings.Provider == DatabaseProvider.Sqlite);
            if (rebuildReports)
            {
                return await RebuildReportsAsync(app, settings, logger, lifetime.ApplicationStopping);
            }

            if (migrateOnly || migrateOnStart)
            {
                try
                {
                    await ModuleWiring.MigrateAsync(app.Services, settings.Services, lifetime.ApplicationStopping);
                }
                catch (OptionsValidationException error)
                {
                    return Fail($"Configuration error: {OneLine(error)}");
                }
                catch (Exception error) when (error is not OperationCanceledException)
                {
                    logger.LogDebug(error, "Database migration failed");
                    return Fail($"Configuration error: ConnectionStrings:ContactCenter: the {settings.Provider} database could not be opened or migrated: {OneLine(error)}");
                }

                if (migrateOnly)
                {
                    logger.LogInformation("Database migrated ({Provider})", settings.Provider);
                    return 0;
                }
            }

            try
            {
                await app.StartAsync(lifetime.ApplicationStopping);
            }
            catch (OptionsValidationException error)
            {
                return Fail($"Configuration error: {OneLine(error)}");
            }
            catch (ConfigurationError error)
            {
                return Fail($"Configuration error: {error.Message}");
            }
            catch (Exception error) when (error is IOException or System.Net.Sockets.SocketException)
            {
                return Fail($"Start-up failed: {OneLine(error)}");
            }

            logger.LogInformation(
                "ContactCenter running: modules {Modules}, bus {Transport}, database {Provider}, web {Urls}",
                string.Join(",", settings.Services.Order()), settings.Transport, settings.Provider, string.Join(" ", app.Urls));
            await app.WaitForShutdownAsync();
        }

        return 0;
    }

    internal static (WebApplication App, HostSettings Settings) Build(string[] args)
    {
        // Settings files sit beside the executable; relative paths in settings (the SQLite file,
        // telephony-config) are relative to the working directory, as SQLite itself resolves them.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        var settings = HostSettings.Read(builder.Configuration);
        var signingKey = SigningKey.Resolve(builder.Configuration, settings, Directory.GetCurrentDirectory());
        builder.Configuration.AddInMemoryCollection([new(SigningKey.Key, signingKey)]);

        var web = WebSecuritySettings.Read(builder.Configuration);

        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(web);
        services.AddProblemDetails();
        services.AddHealthChecks();
        services.AddContactCenterAuth(signingKey);
        services.AddRateLimiter(_ => { }); // the policies are the modules' (the CRM's sign-in limits)
        services.Configure<ForwardedHeadersOptions>(options =>
        {
            // Only a configured proxy's X-Forwarded-For/-Proto are believed (Web:TrustedProxies); none by default.
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            foreach (var network in web.TrustedProxies)
            {
                options.KnownIPNetworks.Add(network);
            }
        });
        services.AddContactCenterTelemetry();
        ModuleWiring.AddModules(services, builder.Configuration, settings.Services);
        services.AddContactCenterBus(settings);

        var app = builder.Build();
        if (web.TrustedProxies.Count > 0)
        {
            app.UseForwardedHeaders();
        }

        app.UseExceptionHandler();
        app.UseHsts();
        app.UseStatusCodePages();
        app.UseRouting();
        app.UseAuthentication();
        // A browser phone's /sip WebSocket signed in with a token is closed when that sign-in is revoked or expires.
        app.Use(SignedInSipSockets.Middleware);
        app.UseRateLimiter();
        app.UseAuthorization();

        // Liveness: the process answers (no details). Readiness: the bus and the database (checks tagged "ready"), with
        // each check's details only for the monitoring network or token; /metrics likewise (ADR 0015).
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains("ready"),
            ResponseWriter = (context, report) => HealthResponse.WriteAsync(context, report, details: web.MayMonitor(context)),
        });
        app.MapPrometheusScrapingEndpoint("/metrics").AddEndpointFilter(async (context, next) =>
            web.MayMonitor(context.HttpContext) ? await next(context) : Results.NotFound());
        ModuleWiring.MapModules(app, settings.Services);
        return (app, settings);
    }

    /// <summary>
    /// <c>reports-rebuild</c>: brings the reports' tables up to date with their migrations, then recomputes every aggregate from
    /// the event record (under the same lock live recording takes, so a running host's batches wait for it).
    /// </summary>
    private static async Task<int> RebuildReportsAsync(WebApplication app, HostSettings settings, ILogger logger, CancellationToken ct)
    {
        try
        {
            await ModuleWiring.MigrateAsync(app.Services, settings.Services, ct);
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var events = await app.Services.RebuildReportsAsync(ct);
            logger.LogInformation("Reports rebuilt from {Events} recorded events in {Seconds:0.0} s ({Provider})", events,
                System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds, settings.Provider);
            return 0;
        }
        catch (OptionsValidationException error)
        {
            return Fail($"Configuration error: {OneLine(error)}");
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            logger.LogDebug(error, "Reports rebuild failed");
            return Fail($"Reports rebuild failed: {OneLine(error)}");
        }
    }

    private static int Fail(string line)
    {
        Console.Error.WriteLine(line);
        return ConfigurationExitCode;
    }

    private static string OneLine(Exception error)
    {
        var message = error is OptionsValidationException options && options.Failures.Any()
            ? string.Join("; ", options.Failures)
            : error.GetBaseException().Message;
        return message.ReplaceLineEndings(" ");
    }
}
