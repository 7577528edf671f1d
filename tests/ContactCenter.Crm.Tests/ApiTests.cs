using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ContactCenter.Contracts;
using ContactCenter.Crm.Data;
using Microsoft.EntityFrameworkCore;

namespace ContactCenter.Crm.Tests;

public abstract class ApiTests(CrmTestHost host)
{
    private static readonly Guid NoSuchId = Guid.Parse("00000000-0000-4000-8000-000000000001");

    [Fact]
    public async Task Token_for_the_demo_agent_carries_sub_name_and_role_and_opens_the_api()
    {
        using var anonymous = host.Client();
        var response = await anonymous.PostAsJsonAsync("/api/auth/token", new { login = "alice", password = "demo" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        var jwt = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(token);
        Assert.Equal("alice", jwt.Subject);
        Assert.Equal("Alice Agent", jwt.GetClaim("name").Value);
        Assert.Equal("agent", jwt.GetClaim("role").Value);
        Assert.Equal("ContactCenter", jwt.Issuer);
        Assert.Equal(TimeSpan.FromHours(12), jwt.ValidTo - jwt.ValidFrom);

        using var client = host.Client();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/customers?q=Ada")).StatusCode);
    }

    [Theory]
    [InlineData("alice", "wrong")]
    [InlineData("nobody", "demo")]
    public async Task Wrong_credentials_get_401_problem_details(string login, string password)
    {
        using var client = host.Client();
        var response = await client.PostAsJsonAsync("/api/auth/token", new { login, password });
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Token_request_without_login_names_the_field()
    {
        using var client = host.Client();
        var response = await client.PostAsJsonAsync("/api/auth/token", new { password = "demo" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(body.GetProperty("errors").TryGetProperty("login", out _));
    }

    [Fact]
    public async Task Customer_api_needs_a_token()
    {
        using var client = host.Client();
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/customers")).StatusCode);
    }

    [Theory]
    [InlineData("020 7946 0018")]
    [InlineData("+44 20 7946 0018")]
    [InlineData("0044 (0)20-7946-0018")]
    public async Task Search_by_phone_in_any_common_format_finds_ada(string phone)
    {
        using var client = host.Client("bob");
        var page = await client.GetFromJsonAsync<JsonElement>($"/api/customers?phone={Uri.EscapeDataString(phone)}");
        Assert.Equal(1, page.GetProperty("total").GetInt32());
        var ada = page.GetProperty("items")[0];
        Assert.Equal("Ada Lovelace", ada.GetProperty("name").GetString());
        Assert.Equal("gold", ada.GetProperty("tier").GetString());
        Assert.Equal("+442079460018", ada.GetProperty("phones")[0].GetString());
    }

    [Theory]
    [InlineData("Lovelace")]
    [InlineData("lovelace")]
    [InlineData("ADA LOVE")]
    public async Task Search_by_name_ignores_case(string q)
    {
        using var client = host.Client("bob");
        var page = await client.GetFromJsonAsync<JsonElement>($"/api/customers?q={Uri.EscapeDataString(q)}");
        Assert.Contains(page.GetProperty("items").EnumerateArray(), c => c.GetProperty("name").GetString() == "Ada Lovelace");
    }

    [Fact]
    public async Task Search_by_name_takes_percent_and_underscore_literally()
    {
        using var client = host.Client("bob");
        var page = await client.GetFromJsonAsync<JsonElement>("/api/customers?q=%25_");
        Assert.Equal(0, page.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Search_with_a_bad_phone_or_page_names_the_field()
    {
        using var client = host.Client("bob");
        var response = await client.GetAsync("/api/customers?phone=banana&pageSize=1000");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("phone", out _));
        Assert.True(errors.TryGetProperty("pageSize", out _));
    }

    [Fact]
    public async Task Search_pages_through_all_customers()
    {
        using var client = host.Client("bob");
        var first = await client.GetFromJsonAsync<JsonElement>("/api/customers?page=1&pageSize=20");
        var third = await client.GetFromJsonAsync<JsonElement>("/api/customers?page=3&pageSize=20");
        Assert.True(first.GetProperty("total").GetInt32() >= DemoSeeder.CustomerCount);
        Assert.Equal(20, first.GetProperty("items").GetArrayLength());
        Assert.Equal(first.GetProperty("total").GetInt32() - 40, third.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Customer_360_of_ada_has_her_open_case_history_and_totals_and_the_read_is_audited()
    {
        var adaId = await IdOfAsync("+442079460018");
        using var client = host.Client("carol");
        var view = await client.GetFromJsonAsync<JsonElement>($"/api/customers/{adaId}");
        Assert.Equal("Ada Lovelace", view.GetProperty("customer").GetProperty("name").GetString());
        var open = view.GetProperty("openCases");
        Assert.Equal(1, open.GetArrayLength());
        Assert.Equal("high", open[0].GetProperty("priority").GetString());
        Assert.Equal("alice", open[0].GetProperty("ownerAgentId").GetString());
        Assert.Matches("^CS-\\d{6}$", open[0].GetProperty("number").GetString());
        var totals = view.GetProperty("totals");
        Assert.True(totals.GetProperty("interactions").GetInt32() >= 6);
        Assert.Equal(JsonValueKind.String, totals.GetProperty("lastContactAt").ValueKind);
        var recent = view.GetProperty("recentInteractions");
        Assert.InRange(recent.GetArrayLength(), 6, 10);
        var times = recent.EnumerateArray().Select(i => i.GetProperty("startedAt").GetDateTimeOffset()).ToList();
        Assert.Equal(times.OrderByDescending(t => t), times);

        var audited = await host.WithDbAsync(db => db.AuditEntries.AnyAsync(a => a.Actor == "carol" && a.CustomerId == adaId && a.Action == "read"));
        Assert.True(audited);
    }

    [Fact]
    public async Task Alan_has_closed_cases_only()
    {
        var alanId = await IdOfAsync("+441614960000");
        using var client = host.Client("bob");
        var view = await client.GetFromJsonAsync<JsonElement>($"/api/customers/{alanId}");
        Assert.Equal(0, view.GetProperty("openCases").GetArrayLength());
        var closed = await host.WithDbAsync(db => db.Cases.CountAsync(c => c.CustomerId == alanId && c.Status == CaseStatus.Closed));
        Assert.True(closed >= 1);
    }

    [Fact]
    public async Task Unknown_customer_is_404_problem()
    {
        using var client = host.Client("bob");
        var response = await client.GetAsync($"/api/customers/{NoSuchId}");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/customers/{NoSuchId}/interactions")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/customers/not-a-guid")).StatusCode);
    }

    [Fact]
    public async Task Interactions_are_paged_newest_first()
    {
        var adaId = await IdOfAsync("+442079460018");
        using var client = host.Client("bob");
        var page1 = await client.GetFromJsonAsync<JsonElement>($"/api/customers/{adaId}/interactions?page=1&pageSize=2");
        var page2 = await client.GetFromJsonAsync<JsonElement>($"/api/customers/{adaId}/interactions?page=2&pageSize=2");
        Assert.Equal(2, page1.GetProperty("items").GetArrayLength());
        Assert.True(page1.GetProperty("items")[1].GetProperty("startedAt").GetDateTimeOffset()
            >= page2.GetProperty("items")[0].GetProperty("startedAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task Create_customer_normalises_phones_and_a_taken_number_is_409()
    {
        using var client = host.Client("bob");
        var created = await client.PostAsJsonAsync("/api/customers",
            new { name = "Charles Babbage", tier = "platinum", phones = new[] { "020 7946 0555" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("+442079460555", body.GetProperty("phones")[0].GetString());
        Assert.Equal("platinum", body.GetProperty("tier").GetString());
        Assert.NotNull(created.Headers.Location);

        var again = await client.PostAsJsonAsync("/api/customers", new { name = "Someone Else", phones = new[] { "+44 20 7946 0555" } });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task Create_customer_validation_names_each_bad_field_and_writes_nothing()
    {
        using var client = host.Client("bob");
        var before = await host.WithDbAsync(db => db.Customers.CountAsync());
        var response = await client.PostAsJsonAsync("/api/customers", new { name = "", tier = "diamond", phones = new[] { "+442079460777", "12" } });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("name", out _));
        Assert.True(errors.TryGetProperty("tier", out _));
        Assert.True(errors.TryGetProperty("phones[1]", out _));
        Assert.False(errors.TryGetProperty("phones[0]", out _));
        Assert.Equal(before, await host.WithDbAsync(db => db.Customers.CountAsync()));
    }

    [Fact]
    public async Task Case_life_cycle_etag_if_match_and_transitions()
    {
        using var client = host.Client("alice");
        var customerId = await NewCustomerAsync(client);
        var created = await client.PostAsJsonAsync("/api/cases", new { customerId = customerId, subject = "Line noise", priority = "urgent", ownerAgentId = "alice" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var etag = created.Headers.ETag;
        Assert.NotNull(etag);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("case").GetProperty("id").GetGuid();

        var get = await client.GetAsync($"/api/cases/{id}");
        Assert.Equal(etag, get.Headers.ETag);

        var noIfMatch = await client.PutAsJsonAsync($"/api/cases/{id}", Update("pending"));
        Assert.Equal((HttpStatusCode)428, noIfMatch.StatusCode);

        var toClosed = await Put(client, id, etag!, Update("closed"));
        Assert.Equal(HttpStatusCode.Conflict, toClosed.StatusCode);
        Assert.Contains("resolved before", (await toClosed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);

        var pending = await Put(client, id, etag!, Update("pending"));
        Assert.Equal(HttpStatusCode.OK, pending.StatusCode);
        Assert.NotEqual(etag, pending.Headers.ETag);

        var stale = await Put(client, id, etag!, Update("resolved"));
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);

        var resolved = await Put(client, id, pending.Headers.ETag!, Update("resolved"));
        Assert.Equal(HttpStatusCode.OK, resolved.StatusCode);
        var closed = await Put(client, id, resolved.Headers.ETag!, Update("closed"));
        Assert.Equal(HttpStatusCode.OK, closed.StatusCode);
        var reopen = await Put(client, id, closed.Headers.ETag!, Update("open"));
        Assert.Equal(HttpStatusCode.Conflict, reopen.StatusCode);

        var note = await client.PostAsJsonAsync($"/api/cases/{id}/notes", new { text = "Called back, all fine." });
        Assert.Equal(HttpStatusCode.Created, note.StatusCode);
        var details = await client.GetFromJsonAsync<JsonElement>($"/api/cases/{id}");
        Assert.Equal("closed", details.GetProperty("case").GetProperty("status").GetString());
        Assert.Equal("alice", details.GetProperty("notes")[0].GetProperty("authorId").GetString());
    }

    [Fact]
    public async Task Two_agents_updating_one_case_with_the_same_etag_one_gets_412()
    {
        using var alice = host.Client("alice");
        using var bob = host.Client("bob");
        var customerId = await NewCustomerAsync(alice);
        var created = await alice.PostAsJsonAsync("/api/cases", new { customerId = customerId, subject = "Concurrent edit" });
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("case").GetProperty("id").GetGuid();
        var etag = created.Headers.ETag!;

        var results = await Task.WhenAll(
            Put(alice, id, etag, Update("pending", "alice's change")),
            Put(bob, id, etag, Update("pending", "bob's change")));
        var codes = results.Select(r => r.StatusCode).Order().ToList();
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.PreconditionFailed], codes);

        var winner = results.Single(r => r.StatusCode == HttpStatusCode.OK);
        var subject = (await winner.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("case").GetProperty("subject").GetString();
        var stored = await host.WithDbAsync(db => db.Cases.Where(c => c.Id == id).Select(c => c.Subject).SingleAsync());
        Assert.Equal(subject, stored);
    }

    [Fact]
    public async Task Case_validation_names_the_field_and_unknown_case_is_404()
    {
        using var client = host.Client("alice");
        var bad = await client.PostAsJsonAsync("/api/cases", new { customerId = NoSuchId, subject = "", priority = "whenever", ownerAgentId = "ghost" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        foreach (var field in new[] { "customerId", "subject", "priority", "ownerAgentId" })
        {
            Assert.True(errors.TryGetProperty(field, out _), field);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/cases/{NoSuchId}")).StatusCode);
        var put = new HttpRequestMessage(HttpMethod.Put, $"/api/cases/{NoSuchId}") { Content = JsonContent.Create(Update("open")) };
        put.Headers.IfMatch.Add(new EntityTagHeaderValue("\"00\""));
        Assert.Equal(HttpStatusCode.NotFound, (await client.SendAsync(put)).StatusCode);
    }

    [Fact]
    public async Task An_agent_cannot_manage_agents()
    {
        using var client = host.Client("alice", "agent");
        var put = await client.PutAsJsonAsync("/api/agents/bob", new { skills = new[] { new { skill = "billing", level = 5 } } });
        Assert.Equal(HttpStatusCode.Forbidden, put.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/agents")).StatusCode);
        var bob = await host.WithDbAsync(db => db.People.Include(p => p.Skills).SingleAsync(p => p.Login == "bob"));
        Assert.DoesNotContain(bob.Skills, s => s.Skill == "billing");
    }

    [Fact]
    public async Task Supervisor_changes_an_agent_profile_and_routing_hears_of_it()
    {
        using var client = host.Client("sam", "supervisor");
        var list = await client.GetFromJsonAsync<JsonElement>("/api/agents");
        Assert.Contains(list.EnumerateArray(), a => a.GetProperty("login").GetString() == "carol");

        var put = await client.PutAsJsonAsync("/api/agents/carol",
            new { skills = new[] { new { skill = "billing", level = 5 }, new { skill = "lang-fr", level = 3 } }, queues = new[] { "billing", "french" } });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        await host.Harness.PublishedAsync<AgentProfileChanged>(m =>
            m.AgentId == "carol"
            && m.Profile.Skills.Any(s => s.Skill == "lang-fr" && s.Level == 3)
            && m.Profile.Queues.Contains("french"));

        var bad = await client.PutAsJsonAsync("/api/agents/carol", new { skills = new[] { new { skill = "billing", level = 9 } }, role = "boss" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("skills[0].level", out _));
        Assert.True(errors.TryGetProperty("role", out _));
    }

    [Fact]
    public async Task Supervisor_sets_an_agents_phone_kind_and_routing_hears_of_it_and_a_bad_one_is_refused()
    {
        using var client = host.Client("sam", "supervisor");
        var list = await client.GetFromJsonAsync<JsonElement>("/api/agents");
        Assert.Equal("both", list.EnumerateArray().First(a => a.GetProperty("login").GetString() == "carol").GetProperty("phone").GetString());

        var put = await client.PutAsJsonAsync("/api/agents/carol", new { phone = "browser" });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal("browser", (await put.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("phone").GetString());
        await host.Harness.PublishedAsync<AgentProfileChanged>(m => m.AgentId == "carol" && m.Profile.Phone == PhoneKind.Browser);

        var bad = await client.PutAsJsonAsync("/api/agents/carol", new { phone = "pager" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Equal("phone must be browser, sip or both (was 'pager').", errors.GetProperty("phone")[0].GetString());
        var after = await client.GetFromJsonAsync<JsonElement>("/api/agents");
        Assert.Equal("browser", after.EnumerateArray().First(a => a.GetProperty("login").GetString() == "carol").GetProperty("phone").GetString());
    }

    [Fact]
    public async Task Supervisor_creates_a_new_agent_who_can_then_sign_in()
    {
        using var client = host.Client("sam", "supervisor");
        var put = await client.PutAsJsonAsync("/api/agents/dave",
            new { displayName = "Dave Agent", role = "agent", password = "secret-password-1", sipPassword = "sip-secret", skills = new[] { new { skill = "support", level = 2 } }, queues = new[] { "support" } });
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        using var anonymous = host.Client();
        var token = await anonymous.PostAsJsonAsync("/api/auth/token", new { login = "dave", password = "secret-password-1" });
        Assert.Equal(HttpStatusCode.OK, token.StatusCode);
    }

    [Fact]
    public async Task OpenApi_document_lists_the_crm_routes()
    {
        using var client = host.Client();
        var doc = await client.GetFromJsonAsync<JsonElement>("/openapi/crm.json");
        var paths = doc.GetProperty("paths");
        foreach (var path in new[] { "/api/auth/token", "/api/customers", "/api/customers/{id}", "/api/cases/{id}", "/api/agents/{login}" })
        {
            Assert.True(paths.TryGetProperty(path, out _), path);
        }
    }

    [Fact]
    public async Task Health_check_is_ready()
    {
        using var client = host.Client();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
    }

    private static object Update(string status, string subject = "Line noise") =>
        new { subject, status, priority = "urgent", ownerAgentId = "alice" };

    private static Task<HttpResponseMessage> Put(HttpClient client, Guid id, EntityTagHeaderValue etag, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, $"/api/cases/{id}") { Content = JsonContent.Create(body) };
        request.Headers.IfMatch.Add(etag);
        return client.SendAsync(request);
    }

    private static int lastPhone = 10000;

    private static async Task<Guid> NewCustomerAsync(HttpClient client)
    {
        var phone = $"+4416149{Interlocked.Increment(ref lastPhone):00000}";
        var created = await client.PostAsJsonAsync("/api/customers", new { name = "Case Test " + phone, phones = new[] { phone } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    private Task<Guid> IdOfAsync(string e164) =>
        host.WithDbAsync(db => db.CustomerPhones.Where(p => p.E164 == e164).Select(p => p.CustomerId).SingleAsync());
}

public sealed class ApiTestsOnSqlite(SqliteCrmTestHost host) : ApiTests(host), IClassFixture<SqliteCrmTestHost>;

public sealed class ApiTestsOnPostgreSql(PostgreSqlCrmTestHost host) : ApiTests(host), IClassFixture<PostgreSqlCrmTestHost>;
