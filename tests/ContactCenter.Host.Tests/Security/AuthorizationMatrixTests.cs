using System.IdentityModel.Tokens.Jwt;
using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Security.Claims;
using System.Text;
using ContactCenter.Host.Composition;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.IdentityModel.Tokens;

namespace ContactCenter.Host.Tests.Security;

/// <summary>
/// Issue 17: authorization end to end. Every HTTP endpoint and every hub method the host maps is listed here with who may use
/// it; the lists are compared with the host's own endpoint data source and hub types, so a new endpoint or hub method without
/// an entry fails this test. Then each entry is tried against the real host as nobody, as an agent (alice) and as a supervisor
/// (sam), and each hub as each, with a few of another agent's objects.
/// </summary>
public sealed class AuthorizationMatrixTests
{
    private const string MonitoringToken = "monitoring-token-for-the-matrix-test-0123456789";

    internal enum Access
    {
        /// <summary>Anyone (pages, sign-in, liveness, OpenAPI documents, /sip whose SIP digest or sign-in is checked inside).</summary>
        Anyone,

        /// <summary>Policy agent: agents and supervisors.</summary>
        Agent,

        /// <summary>Policy supervisor.</summary>
        Supervisor,

        /// <summary>The monitoring network or Monitoring:Token; anyone else gets 404.</summary>
        Monitoring,
    }

    internal sealed record Entry(Access Access, string Sample, object? Body = null);

    /// <summary>"METHOD route-pattern" → who, and a request to try it with.</summary>
    internal static readonly Dictionary<string, Entry> Http = new(StringComparer.Ordinal)
    {
        ["GET /"] = new(Access.Anyone, "/"),
        ["GET /agent"] = new(Access.Anyone, "/agent"),
        ["GET /board"] = new(Access.Anyone, "/board"),
        ["GET /reports"] = new(Access.Anyone, "/reports"),
        ["GET /call"] = new(Access.Anyone, "/call"),
        ["GET /desktop/{**path}"] = new(Access.Anyone, "/desktop/desktop.css"),
        ["* /health/live"] = new(Access.Anyone, "/health/live"),
        ["* /health/ready"] = new(Access.Anyone, "/health/ready"),
        ["* /metrics"] = new(Access.Monitoring, "/metrics"),
        ["GET /openapi/{documentName:regex(^crm$)}.json"] = new(Access.Anyone, "/openapi/crm.json"),
        ["GET /openapi/{documentName:regex(^reports$)}.json"] = new(Access.Anyone, "/openapi/reports.json"),
        ["* /sip"] = new(Access.Anyone, "/sip"),
        ["POST /api/auth/token"] = new(Access.Anyone, "/api/auth/token", new { login = "carol", password = "demo" }),
        ["POST /api/auth/session"] = new(Access.Anyone, "/api/auth/session", new { login = "carol", password = "demo" }),
        ["GET /api/auth/session"] = new(Access.Agent, "/api/auth/session"),
        ["DELETE /api/auth/session"] = new(Access.Anyone, "/api/auth/session"),
        ["GET /api/customers/"] = new(Access.Agent, "/api/customers/?q=Ada"),
        ["POST /api/customers/"] = new(Access.Agent, "/api/customers/", new { name = "Matrix Test", phones = Array.Empty<string>() }),
        ["GET /api/customers/{id:guid}"] = new(Access.Agent, $"/api/customers/{Guid.NewGuid()}"),
        ["GET /api/customers/{id:guid}/interactions"] = new(Access.Agent, $"/api/customers/{Guid.NewGuid()}/interactions"),
        ["POST /api/cases/"] = new(Access.Agent, "/api/cases/", new { customerId = Guid.NewGuid(), subject = "Matrix" }),
        ["GET /api/cases/{id:guid}"] = new(Access.Agent, $"/api/cases/{Guid.NewGuid()}"),
        ["PUT /api/cases/{id:guid}"] = new(Access.Agent, $"/api/cases/{Guid.NewGuid()}", new { subject = "Matrix", status = "open", priority = "normal" }),
        ["POST /api/cases/{id:guid}/notes"] = new(Access.Agent, $"/api/cases/{Guid.NewGuid()}/notes", new { text = "Matrix" }),
        ["GET /api/interactions/{callId:guid}"] = new(Access.Agent, $"/api/interactions/{Guid.NewGuid()}"),
        ["GET /api/interactions/{callId:guid}/voicemail"] = new(Access.Agent, $"/api/interactions/{Guid.NewGuid()}/voicemail"),
        ["GET /api/agents/"] = new(Access.Supervisor, "/api/agents/"),
        ["PUT /api/agents/{login}"] = new(Access.Supervisor, "/api/agents/carol", new { }),
        ["GET /api/routing/decisions"] = new(Access.Supervisor, "/api/routing/decisions"),
        ["GET /api/routing/agents"] = new(Access.Agent, "/api/routing/agents"),
        ["GET /api/routing/queues"] = new(Access.Agent, "/api/routing/queues"),
        ["GET /api/reports/queues"] = new(Access.Supervisor, "/api/reports/queues"),
        ["GET /api/reports/queues/calls"] = new(Access.Supervisor, "/api/reports/queues/calls"),
        ["GET /api/reports/agents"] = new(Access.Supervisor, "/api/reports/agents"),
        ["GET /api/reports/agents/calls"] = new(Access.Supervisor, "/api/reports/agents/calls"),
        ["GET /api/reports/agents/states"] = new(Access.Supervisor, "/api/reports/agents/states"),
        ["GET /api/reports/calls/{callId:guid}"] = new(Access.Supervisor, $"/api/reports/calls/{Guid.NewGuid()}"),
        ["GET /api/reports/staffing"] = new(Access.Supervisor, "/api/reports/staffing"),
        ["GET /api/reports/settings"] = new(Access.Supervisor, "/api/reports/settings"),
        ["GET /api/reports/me"] = new(Access.Agent, "/api/reports/me"),
        ["GET /api/monitoring"] = new(Access.Supervisor, "/api/monitoring"),
        ["GET /api/telephony/sip-security/"] = new(Access.Supervisor, "/api/telephony/sip-security/"),
        ["DELETE /api/telephony/sip-security/blocked/{address}"] = new(Access.Supervisor, "/api/telephony/sip-security/blocked/192.0.2.1"),
    };

    /// <summary>Hub path → who may connect.</summary>
    internal static readonly Dictionary<string, Access> Hubs = new(StringComparer.Ordinal)
    {
        ["/hubs/agent"] = Access.Agent,
        ["/hubs/board"] = Access.Supervisor,
    };

    /// <summary>"Hub.Method" → how the method keeps to the caller's own objects (every method also has its hub's policy).</summary>
    internal static readonly Dictionary<string, string> HubMethods = new(StringComparer.Ordinal)
    {
        ["AgentHub.SetState"] = "acts as the token's sub only",
        ["AgentHub.CompleteWrapUp"] = "refused for a call the desktop knows as another agent's; the CRM never lets another agent overwrite a wrapped-up call",
        ["AgentHub.CompleteWrapUpWithCase"] = "as CompleteWrapUp",
        ["AgentHub.AcceptOffer"] = "refused unless the offer is the caller's",
        ["AgentHub.SkipOffer"] = "refused unless the offer is the caller's",
        ["AgentHub.CallBack"] = "refused unless the caller works on that voicemail",
        ["AgentHub.Dial"] = "dials as the token's sub only",
        ["BoardHub.SetAgentState"] = "supervisors only (the hub's policy)",
        ["BoardHub.Monitor"] = "supervisors only (the hub's policy); the agent must be on a connected call; a supervisor whose token names supervised queues (the directory's) only for calls of those queues, refused and audited otherwise",
    };

    [Fact]
    public void Every_endpoint_and_hub_method_the_host_maps_has_a_matrix_entry()
    {
        var (endpoints, hubMethods) = Discover();
        var missing = endpoints.Keys.Except(Http.Keys).Except(Hubs.Keys.SelectMany(HubKeys)).Order().ToList();
        var stale = Http.Keys.Except(endpoints.Keys).Order().ToList();
        Assert.True(missing.Count == 0, "endpoints without a matrix entry (say who may use them): " + string.Join(", ", missing));
        Assert.True(stale.Count == 0, "matrix entries the host no longer maps: " + string.Join(", ", stale));
        Assert.Equal(HubMethods.Keys.Order(), hubMethods.Order());
        foreach (var (key, hubPath) in endpoints.Where(e => e.Value is not null))
        {
            Assert.True(Hubs.ContainsKey(hubPath!), $"{key} belongs to hub {hubPath}, which has no matrix entry");
        }
    }

    [Fact]
    public async Task Each_endpoint_and_hub_answers_nobody_an_agent_and_a_supervisor_as_the_matrix_says()
    {
        await using var host = HostProcess.Start(new Dictionary<string, string>
        {
            // Loopback is not the monitoring network here: /metrics needs the token.
            ["Monitoring__AllowedNetworks"] = "10.99.0.0/16",
            ["Monitoring__Token"] = MonitoringToken,
        });
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(45));
        var agentToken = await SecurityClient.TokenAsync(host.BaseAddress, "alice");
        var supervisorToken = await SecurityClient.TokenAsync(host.BaseAddress, "sam");
        var roles = new (string Name, string? Token)[] { ("nobody", null), ("agent", agentToken), ("supervisor", supervisorToken) };
        var failures = new List<string>();
        foreach (var (key, entry) in Http.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            var method = key.Split(' ')[0];
            foreach (var (role, token) in roles)
            {
                using var client = SecurityClient.From(IPAddress.Loopback, host.BaseAddress, token);
                using var request = new HttpRequestMessage(method == "*" ? HttpMethod.Get : new HttpMethod(method), new Uri(entry.Sample, UriKind.Relative));
                if (entry.Body is not null)
                {
                    request.Content = JsonContent.Create(entry.Body);
                }

                using var response = await client.SendAsync(request);
                var status = response.StatusCode;
                var expected = Expected(entry.Access, role);
                if (!expected(status))
                {
                    failures.Add($"{key} as {role}: {(int)status} ({entry.Access})");
                }
            }
        }

        // /metrics with the monitoring token, from an address outside the monitoring network.
        using (var monitoring = SecurityClient.From(IPAddress.Loopback, host.BaseAddress, MonitoringToken))
        {
            Assert.Equal(HttpStatusCode.OK, (await monitoring.GetAsync(new Uri("/metrics", UriKind.Relative))).StatusCode);
        }

        foreach (var (path, access) in Hubs)
        {
            foreach (var (role, token) in roles)
            {
                await using var hub = new HubConnectionBuilder()
                    .WithUrl(new Uri(host.BaseAddress, path), o => o.AccessTokenProvider = () => Task.FromResult(token))
                    .Build();
                HttpStatusCode? refused = null;
                try
                {
                    await hub.StartAsync();
                }
                catch (HttpRequestException error)
                {
                    refused = error.StatusCode;
                }

                var wanted = role == "nobody" ? HttpStatusCode.Unauthorized
                    : role == "agent" && access == Access.Supervisor ? HttpStatusCode.Forbidden
                    : (HttpStatusCode?)null;
                if (refused != wanted)
                {
                    failures.Add($"hub {path} as {role}: {(refused is null ? "connected" : ((int)refused).ToString(System.Globalization.CultureInfo.InvariantCulture))}, expected {(wanted is null ? "connected" : ((int)wanted).ToString(System.Globalization.CultureInfo.InvariantCulture))}");
                }
            }
        }

        Assert.True(failures.Count == 0, "authorization differs from the matrix:\n" + string.Join("\n", failures));

        // Another agent's objects on the agent hub: an offer, a voicemail to call back, a wrap-up alice does not hold.
        await using var alice = new HubConnectionBuilder()
            .WithUrl(new Uri(host.BaseAddress, "/hubs/agent"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(agentToken))
            .Build();
        await alice.StartAsync();
        var notHers = Guid.NewGuid();
        Assert.Contains("no longer yours", (await Assert.ThrowsAsync<HubException>(() => alice.InvokeAsync("AcceptOffer", notHers))).Message, StringComparison.Ordinal);
        Assert.Contains("no longer yours", (await Assert.ThrowsAsync<HubException>(() => alice.InvokeAsync("SkipOffer", notHers))).Message, StringComparison.Ordinal);
        Assert.Contains("Accept the voicemail", (await Assert.ThrowsAsync<HubException>(() => alice.InvokeAsync<object>("CallBack", notHers))).Message, StringComparison.Ordinal);
        // The board's command is not a method of the agent hub: an agent cannot set another agent's state.
        await Assert.ThrowsAsync<HubException>(() => alice.InvokeAsync("SetAgentState", "bob", "LoggedOut", null));
    }

    private static Func<HttpStatusCode, bool> Expected(Access access, string role) => (access, role) switch
    {
        (Access.Monitoring, _) => status => status == HttpStatusCode.NotFound,
        (Access.Anyone, _) => status => status is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden),
        (_, "nobody") => status => status == HttpStatusCode.Unauthorized,
        (Access.Supervisor, "agent") => status => status == HttpStatusCode.Forbidden,
        _ => status => status is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden),
    };

    private static IEnumerable<string> HubKeys(string path) => [$"* {path}", $"* {path}/negotiate", $"POST {path}/negotiate"];

    /// <summary>The host's endpoints ("METHOD pattern" → hub path or null) and its hubs' methods ("Hub.Method"), as it maps them.</summary>
    private static (Dictionary<string, string?> Endpoints, List<string> HubMethods) Discover()
    {
        var folder = Directory.CreateTempSubdirectory("cc-matrix-").FullName;
        try
        {
            var (app, _) = ContactCenterApp.Build(
            [
                $"--ConnectionStrings:ContactCenter=Data Source={Path.Combine(folder, "cc.db")}",
                "--Auth:SigningKey=matrix-signing-key-that-is-long-enough-0123456789",
                $"--Telephony:ConfigPath={Path.Combine(HostProcess.RepositoryRoot, "telephony-config")}",
            ]);
            var endpoints = new Dictionary<string, string?>(StringComparer.Ordinal);
            var hubTypes = new HashSet<Type>();
            foreach (var endpoint in ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>())
            {
                var hub = endpoint.Metadata.GetMetadata<HubMetadata>();
                if (hub is not null)
                {
                    hubTypes.Add(hub.HubType);
                }

                var pattern = "/" + endpoint.RoutePattern.RawText!.TrimStart('/');
                var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [];
                foreach (var method in methods.Count == 0 ? ["*"] : methods)
                {
                    endpoints[$"{method} {pattern}"] = hub is null ? null : HubPath(pattern);
                }
            }

            var hubMethods = hubTypes.SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                    .Where(m => !m.IsSpecialName && m.Name is not ("OnConnectedAsync" or "OnDisconnectedAsync" or "Dispose"))
                    .Select(m => $"{t.Name}.{m.Name}"))
                .Distinct(StringComparer.Ordinal)
                .ToList();
            return (endpoints, hubMethods);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string HubPath(string pattern) => pattern.EndsWith("/negotiate", StringComparison.Ordinal) ? pattern[..^"/negotiate".Length] : pattern;

    /// <summary>A token signed with the host's key, optionally without the security stamp claim.</summary>
    internal static string Token(string signingKey, string login, string role, string? stamp)
    {
        var claims = new List<Claim> { new("sub", login), new("name", login), new("role", role) };
        if (stamp is not null)
        {
            claims.Add(new Claim("stamp", stamp));
        }

        var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(signingKey));
        var token = new JwtSecurityToken("ContactCenter", "ContactCenter", claims, expires: TimeProvider.System.GetUtcNow().UtcDateTime.AddHours(1),
            signingCredentials: new SigningCredentials(key, SecurityAlgorithms.HmacSha256));
        return new JwtSecurityTokenHandler().WriteToken(token);
    }
}
