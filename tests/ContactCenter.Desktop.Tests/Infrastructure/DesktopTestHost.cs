using System.Collections.Concurrent;
using System.Security.Claims;
using System.Text;
using ContactCenter.Desktop;
using MassTransit;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ContactCenter.Desktop.Tests.Infrastructure;

/// <summary>
/// A real Kestrel host on 127.0.0.1 (free port) composed like the product host: the same JWT
/// scheme and policies as the host, the Desktop module and MassTransit's in-memory bus. It also
/// maps a TEST FIXTURE <c>POST /api/auth/token</c> (the product's is the CRM's) that signs tokens
/// the same way for three demo people, and records the commands the desktop publishes.
/// </summary>
public sealed class DesktopTestHost : IAsyncDisposable
{
    public const string SigningKey = "desktop-tests-signing-key-0123456789-abcdef";
    public const string Password = "secret-pass";

    private static readonly Dictionary<string, (string Name, string Role, string[] Supervises)> People = new(StringComparer.Ordinal)
    {
        ["alice"] = ("Alice Agent", "agent", []),
        ["bob"] = ("Bob Agent", "agent", []),
        ["sam"] = ("Sam Supervisor", "supervisor", []),
        // A supervisor the directory limits to billing (the CRM's token carries one "supervises" claim per queue).
        ["sue"] = ("Sue Supervisor", "supervisor", ["billing"]),
    };

    private readonly WebApplication app;

    private DesktopTestHost(WebApplication app, Uri baseAddress)
    {
        this.app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public BusRecorder Recorder => app.Services.GetRequiredService<BusRecorder>();

    public IServiceProvider Services => app.Services;

    /// <summary>Requests the fixture's voicemail endpoint answered: which call, for whom.</summary>
    public IReadOnlyCollection<(Guid CallId, string Login)> VoicemailRequests => app.Services.GetRequiredService<FixtureCrm>().VoicemailRequests;

    public static async Task<DesktopTestHost> StartAsync(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var services = builder.Services;

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(o =>
        {
            o.MapInboundClaims = false;
            o.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = "ContactCenter",
                ValidAudience = "ContactCenter",
                IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(SigningKey)),
                NameClaimType = "name",
                RoleClaimType = "role",
                ClockSkew = TimeSpan.FromSeconds(30),
            };
            o.Events = new JwtBearerEvents
            {
                OnMessageReceived = ctx =>
                {
                    if (string.IsNullOrEmpty(ctx.Token))
                    {
                        var query = ctx.Request.Query["access_token"].ToString();
                        if (query.Length > 0 && ctx.Request.Path.StartsWithSegments("/hubs"))
                        {
                            ctx.Token = query;
                        }
                        else if (ctx.Request.Cookies.TryGetValue("cc_token", out var cookie))
                        {
                            ctx.Token = cookie;
                        }
                    }

                    return Task.CompletedTask;
                },
            };
        });
        services.AddAuthorizationBuilder()
            .AddPolicy("agent", p => p.RequireRole("agent", "supervisor"))
            .AddPolicy("supervisor", p => p.RequireRole("supervisor"));

        services.AddDesktop(builder.Configuration);
        services.AddSingleton<BusRecorder>();
        services.AddSingleton<FixtureCrm>();
        services.AddMassTransit(bus =>
        {
            bus.SetKebabCaseEndpointNameFormatter();
            bus.AddDesktopConsumers();
            bus.AddConsumer<RecordingConsumer>();
            bus.AddConsumer<FixtureOutboundCheck>();
            bus.UsingInMemory((context, cfg) => cfg.ConfigureEndpoints(context));
        });

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapDesktop();

        // Test fixture only: the product's token endpoint belongs to the CRM module.
        app.MapPost("/api/auth/token", (LoginRequest request) =>
            request.Login is { } login && People.TryGetValue(login, out var person) && request.Password == Password
                ? Results.Ok(new { token = Token(login, person.Role, person.Name, person.Supervises) })
                : Results.Unauthorized());

        // Test fixture only: the CRM's browser sign-in (the token in an HttpOnly cookie; the answer says who, never the token).
        app.MapPost("/api/auth/session", (LoginRequest request, HttpContext http) =>
        {
            if (request.Login is not { } login || !People.TryGetValue(login, out var person) || request.Password != Password)
            {
                return Results.Unauthorized();
            }

            var expires = TimeProvider.System.GetUtcNow().AddHours(1);
            http.Response.Cookies.Append("cc_token", Token(login, person.Role, person.Name, person.Supervises), new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                Path = "/",
                Expires = expires,
            });
            return Results.Ok(new { login, name = person.Name, roles = new[] { person.Role }, expiresAt = expires });
        });
        app.MapGet("/api/auth/session", (System.Security.Claims.ClaimsPrincipal user) => Results.Ok(new
        {
            login = user.FindFirst("sub")?.Value,
            name = user.FindFirst("name")?.Value,
            roles = user.FindAll("role").Select(r => r.Value).ToArray(),
            expiresAt = TimeProvider.System.GetUtcNow().AddHours(1),
        })).RequireAuthorization("agent");
        app.MapDelete("/api/auth/session", (HttpContext http) =>
        {
            http.Response.Cookies.Delete("cc_token", new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/" });
            return Results.NoContent();
        });

        // Test fixture only: a stand-in for the CRM's customer and case API (same routes and shapes), enough for the UI.
        var crm = app.Services.GetRequiredService<FixtureCrm>();
        app.MapGet("/api/customers", (string? q) =>
        {
            var items = crm.Customers.Where(c => q is not null && c.Name.Contains(q, StringComparison.OrdinalIgnoreCase)).ToList();
            return Results.Ok(new { items, page = 1, pageSize = 20, total = items.Count });
        }).RequireAuthorization("agent");
        // Test fixture only: the CRM's voicemail audio (3 s of a 440 Hz tone as an 8 kHz PCM16 WAV), with ranges.
        app.MapGet("/api/interactions/{callId:guid}/voicemail", (Guid callId, System.Security.Claims.ClaimsPrincipal user, FixtureCrm fixture) =>
        {
            fixture.VoicemailRequests.Enqueue((callId, user.FindFirst("sub")?.Value ?? ""));
            return Results.Bytes(FixtureCrm.Voicemail, "audio/wav", enableRangeProcessing: true);
        }).RequireAuthorization("agent");
        app.MapGet("/api/customers/{id:guid}", (Guid id) =>
            crm.Customers.FirstOrDefault(c => c.Id == id) is { } customer
                ? Results.Ok(new
                {
                    customer = new { customer.Id, customer.Name, customer.Tier, customer.Phones, doNotCall = false },
                    openCases = crm.Cases.Where(k => k.CustomerId == id).Select(k => new { k.Id, k.Number, k.Subject, status = "open", priority = "normal", slaBreached = false }),
                    recentInteractions = Array.Empty<object>(),
                    totals = new { interactions = 0 },
                })
                : Results.NotFound()).RequireAuthorization("agent");
        app.MapPost("/api/customers", (NewCustomer request) =>
        {
            if (string.IsNullOrWhiteSpace(request.Name))
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["name"] = ["name is required, at most 200 characters."] });
            }

            var created = new FixtureCustomer(Guid.NewGuid(), request.Name.Trim(), "standard", request.Phones ?? []);
            crm.Customers.Enqueue(created);
            return Results.Created($"/api/customers/{created.Id}", created);
        }).RequireAuthorization("agent");
        app.MapPost("/api/cases", (NewCase request) =>
        {
            if (request.CustomerId is not { } customerId || string.IsNullOrWhiteSpace(request.Subject))
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["subject"] = ["customerId and subject are required."] });
            }

            var created = new FixtureCase(Guid.NewGuid(), $"CS-{crm.Cases.Count + 900:D6}", customerId, request.Subject, request.OwnerAgentId);
            crm.Cases.Enqueue(created);
            return Results.Created($"/api/cases/{created.Id}", new { @case = created, notes = Array.Empty<object>() });
        }).RequireAuthorization("agent");

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new DesktopTestHost(app, new Uri(address));
    }

    /// <summary>A token signed like the CRM signs them (HMAC-SHA256, issuer/audience ContactCenter, sub/name/role).</summary>
    public static string Token(string login, string role, string? name = null, IReadOnlyList<string>? supervises = null)
    {
        var now = TimeProvider.System.GetUtcNow().UtcDateTime;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "ContactCenter",
            Audience = "ContactCenter",
            Subject = new ClaimsIdentity([
                new Claim("sub", login), new Claim("name", name ?? login), new Claim("role", role),
                .. (supervises ?? []).Select(q => new Claim("supervises", q))]),
            NotBefore = now.AddSeconds(-5),
            IssuedAt = now,
            Expires = now.AddHours(1),
            SigningCredentials = new SigningCredentials(
                new SymmetricSecurityKey(Encoding.UTF8.GetBytes(SigningKey)), SecurityAlgorithms.HmacSha256),
        });
    }

    public Task Publish<T>(T message)
        where T : class => app.Services.GetRequiredService<IBus>().Publish(message);

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private sealed record LoginRequest(string? Login, string? Password);

    private sealed record NewCustomer(string? Name, IReadOnlyList<string>? Phones);

    private sealed record NewCase(Guid? CustomerId, string? Subject, string? OwnerAgentId);
}

/// <summary>What the test fixture's stand-in CRM API holds.</summary>
public sealed class FixtureCrm
{
    public ConcurrentQueue<FixtureCustomer> Customers { get; } = new(
    [
        new FixtureCustomer(Guid.Parse("5a6f0e3c-2f1b-4c59-9a41-000000000001"), "Ada Lovelace", "gold", ["+442071234567"]),
        new FixtureCustomer(Guid.Parse("5a6f0e3c-2f1b-4c59-9a41-000000000002"), "Charles Babbage", "silver", ["+442079876543"]),
    ]);

    public ConcurrentQueue<FixtureCase> Cases { get; } = new();

    public ConcurrentQueue<(Guid CallId, string Login)> VoicemailRequests { get; } = new();

    /// <summary>3 s of a 440 Hz tone, 8 kHz mono PCM16 WAV.</summary>
    public static byte[] Voicemail { get; } = Wav(3);

    private static byte[] Wav(int seconds)
    {
        var samples = seconds * 8000;
        var wav = new byte[44 + (2 * samples)];
        "RIFF"u8.CopyTo(wav);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(wav.AsSpan(4), wav.Length - 8);
        "WAVEfmt "u8.CopyTo(wav.AsSpan(8));
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(wav.AsSpan(16), 16);
        System.Buffers.Binary.BinaryPrimitives.WriteInt16LittleEndian(wav.AsSpan(20), 1);
        System.Buffers.Binary.BinaryPrimitives.WriteInt16LittleEndian(wav.AsSpan(22), 1);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(wav.AsSpan(24), 8000);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(wav.AsSpan(28), 16000);
        System.Buffers.Binary.BinaryPrimitives.WriteInt16LittleEndian(wav.AsSpan(32), 2);
        System.Buffers.Binary.BinaryPrimitives.WriteInt16LittleEndian(wav.AsSpan(34), 16);
        "data"u8.CopyTo(wav.AsSpan(36));
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(wav.AsSpan(40), 2 * samples);
        for (var i = 0; i < samples; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt16LittleEndian(wav.AsSpan(44 + (2 * i)), (short)(8000 * Math.Sin(2 * Math.PI * 440 * i / 8000)));
        }

        return wav;
    }

    /// <summary>Numbers whose customer asked not to be called (Charles Babbage's).</summary>
    public ConcurrentDictionary<string, string> DoNotCall { get; } = new(StringComparer.Ordinal) { ["+442079876543"] = "Charles Babbage" };
}

/// <summary>Test fixture only: the CRM's answer to CheckOutboundNumber, from <see cref="FixtureCrm"/>.</summary>
public sealed class FixtureOutboundCheck(FixtureCrm crm) : IConsumer<ContactCenter.Contracts.CheckOutboundNumber>
{
    public Task Consume(ConsumeContext<ContactCenter.Contracts.CheckOutboundNumber> context)
    {
        var m = context.Message;
        var owner = crm.Customers.FirstOrDefault(c => c.Phones.Contains(m.Number));
        var barred = crm.DoNotCall.TryGetValue(m.Number, out var name);
        return context.RespondAsync(new ContactCenter.Contracts.OutboundNumberChecked
        {
            CallId = m.CallId,
            Allowed = !barred,
            Reason = barred ? $"{name} asked not to be called (do not call)" : null,
            CustomerId = owner?.Id,
            CustomerName = owner?.Name,
            OccurredAt = TimeProvider.System.GetUtcNow(),
        });
    }
}

/// <summary>A customer as the fixture returns it.</summary>
public sealed record FixtureCustomer(Guid Id, string Name, string Tier, IReadOnlyList<string> Phones);

/// <summary>A case as the fixture returns it.</summary>
public sealed record FixtureCase(Guid Id, string Number, Guid CustomerId, string Subject, string? OwnerAgentId);

/// <summary>Commands the desktop published, as the bus delivered them.</summary>
public sealed class BusRecorder
{
    private readonly ConcurrentQueue<object> messages = new();

    public void Add(object message) => messages.Enqueue(message);

    public IReadOnlyList<T> All<T>() => messages.OfType<T>().ToList();

    /// <summary>Waits (bounded) for a recorded message that matches.</summary>
    public async Task<T> WaitFor<T>(Func<T, bool> match, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var found = messages.OfType<T>().FirstOrDefault(match);
            if (found is not null)
            {
                return found;
            }

            try
            {
                await Task.Delay(20, cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"No {typeof(T).Name} matching the expectation was published; got: " +
                    string.Join(", ", messages.OfType<T>()));
            }
        }
    }
}

/// <summary>Records what the desktop publishes (routing and the CRM consume these in the product).</summary>
public sealed class RecordingConsumer(BusRecorder recorder) :
    IConsumer<ContactCenter.Contracts.SetAgentState>,
    IConsumer<ContactCenter.Contracts.MonitorCall>,
    IConsumer<ContactCenter.Contracts.CompleteWrapUp>,
    IConsumer<ContactCenter.Contracts.PlaceOutboundCall>,
    IConsumer<ContactCenter.Contracts.AcceptOffer>,
    IConsumer<ContactCenter.Contracts.DeclineOffer>,
    IConsumer<ContactCenter.Contracts.MonitoringChanged>
{
    public Task Consume(ConsumeContext<ContactCenter.Contracts.MonitoringChanged> context)
    {
        recorder.Add(context.Message);
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<ContactCenter.Contracts.AcceptOffer> context)
    {
        recorder.Add(context.Message);
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<ContactCenter.Contracts.DeclineOffer> context)
    {
        recorder.Add(context.Message);
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<ContactCenter.Contracts.PlaceOutboundCall> context)
    {
        recorder.Add(context.Message);
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<ContactCenter.Contracts.MonitorCall> context)
    {
        recorder.Add(context.Message);
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<ContactCenter.Contracts.SetAgentState> context)
    {
        recorder.Add(context.Message);
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<ContactCenter.Contracts.CompleteWrapUp> context)
    {
        recorder.Add(context.Message);
        return Task.CompletedTask;
    }
}
