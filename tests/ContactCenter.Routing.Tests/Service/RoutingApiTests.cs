using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using ContactCenter.Contracts;
using MassTransit;
using MassTransit.Testing;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ContactCenter.Routing.Tests.Service;

public class RoutingApiTests
{
    private const string SigningKey = "routing-tests-signing-key-0123456789abcdef";

    private static string Token(string login, string role)
    {
        var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(SigningKey));
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "ContactCenter",
            Audience = "ContactCenter",
            Subject = new ClaimsIdentity([new Claim("sub", login), new Claim("name", login), new Claim("role", role)]),
            Expires = TimeProvider.System.GetUtcNow().AddHours(1).UtcDateTime,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
        });
    }

    [Fact]
    public async Task Decision_breakdown_is_served_to_supervisors_only_and_snapshots_to_agents()
    {
        var folder = Path.Combine(Path.GetTempPath(), "routing-api-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var app = await StartAppAsync(folder);
        try
        {
            var harness = app.Services.GetRequiredService<ITestHarness>();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            using var http = new HttpClient { BaseAddress = new Uri(address) };
            var partition = app.Services.GetRequiredService<ContactCenter.Routing.Service.RoutingPartitions>()["default"]!;
            await partition.FirstActive.WaitAsync(TimeSpan.FromSeconds(10));
            var actor = partition.Actor!;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while ((await actor.Query(e => e.AgentSnapshots())).Count < 3)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "profiles not loaded");
                await Task.Delay(20);
            }

            await harness.Bus.Publish(new SetAgentState { AgentId = "bob", State = AgentState.Available, RequestedBy = "bob", OccurredAt = TimeProvider.System.GetUtcNow() });
            await harness.Bus.Publish(new SetAgentState { AgentId = "alice", State = AgentState.Available, RequestedBy = "alice", OccurredAt = TimeProvider.System.GetUtcNow() });
            var call = Guid.NewGuid();
            await harness.Bus.Publish(new CallQueued
            {
                CallId = call, Queue = "support", Caller = "+442071234567", GatewayId = "gw-a", IvrPath = "main>1",
                QueuedAt = TimeProvider.System.GetUtcNow(), OccurredAt = TimeProvider.System.GetUtcNow(),
            });
            while (await actor.Query(e => e.DecisionsFor(call)) is null)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), "no decision");
                await Task.Delay(20);
            }

            var url = $"/api/routing/decisions?callId={call}";
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(url)).StatusCode);
            using (var agentRequest = new HttpRequestMessage(HttpMethod.Get, url))
            {
                agentRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token("bob", "agent"));
                Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(agentRequest)).StatusCode);
            }
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token("sue", "supervisor"));
            var decisions = await http.GetFromJsonAsync<JsonElement>(url);
            var d = decisions[0];
            Assert.Equal("alice", d.GetProperty("agentId").GetString());
            Assert.Contains("best support proficiency (5)", d.GetProperty("rule").GetString(), StringComparison.Ordinal);
            Assert.Equal("support", d.GetProperty("skills")[0].GetProperty("skill").GetString());
            Assert.Equal("bob", d.GetProperty("losers")[0].GetProperty("candidate").GetString());
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/api/routing/decisions?callId={Guid.NewGuid()}")).StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/api/routing/decisions?callId=nope")).StatusCode);

            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token("bob", "agent"));
            var agents = await http.GetFromJsonAsync<JsonElement>("/api/routing/agents");
            Assert.Equal(3, agents.GetArrayLength());
            var queues = await http.GetFromJsonAsync<JsonElement>("/api/routing/queues");
            Assert.Equal("support", queues[0].GetProperty("queue").GetProperty("queue").GetString());
            Assert.Equal(1, queues[0].GetProperty("statistics").GetProperty("offered").GetInt32());
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<WebApplication> StartAppAsync(string folder)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddConfiguration(RoutingServiceFixture.Configuration(folder));
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(o =>
        {
            o.MapInboundClaims = false;
            o.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = "ContactCenter",
                ValidAudience = "ContactCenter",
                IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(SigningKey)),
                NameClaimType = "sub",
                RoleClaimType = "role",
            };
        });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy("agent", p => p.RequireRole("agent", "supervisor"))
            .AddPolicy("supervisor", p => p.RequireRole("supervisor"));
        builder.Services.AddRouting(builder.Configuration);
        builder.Services.AddMassTransitTestHarness(bus =>
        {
            bus.AddRoutingConsumers();
            bus.AddConsumer<DemoDirectoryConsumer>();
        });
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapRouting();
        await app.StartAsync();
        return app;
    }

    [Fact]
    public async Task A_standby_process_answers_503_so_a_front_door_asks_the_active_one()
    {
        var folder = Path.Combine(Path.GetTempPath(), "routing-api-standby-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var active = await StartAppAsync(folder);
        WebApplication? standby = null;
        try
        {
            await active.Services.GetRequiredService<ContactCenter.Routing.Service.RoutingPartitions>()["default"]!.FirstActive.WaitAsync(TimeSpan.FromSeconds(10));
            // Same journal file: the second process waits for the lease.
            standby = await StartAppAsync(folder);
            await Task.Delay(500);
            Assert.False(standby.Services.GetRequiredService<ContactCenter.Routing.Service.RoutingPartitions>().AnyActive);
            foreach (var (app, expected) in new[] { (active, HttpStatusCode.OK), (standby, HttpStatusCode.ServiceUnavailable) })
            {
                var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
                using var http = new HttpClient { BaseAddress = new Uri(address) };
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token("sue", "supervisor"));
                Assert.Equal(expected, (await http.GetAsync("/api/routing/agents")).StatusCode);
                Assert.Equal(expected, (await http.GetAsync("/api/routing/queues")).StatusCode);
            }
        }
        finally
        {
            if (standby is not null)
            {
                await standby.StopAsync();
                await standby.DisposeAsync();
            }
            await active.StopAsync();
            await active.DisposeAsync();
            Directory.Delete(folder, recursive: true);
        }
    }
}
