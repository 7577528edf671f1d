using System.Globalization;
using System.IdentityModel.Tokens.Jwt;
using System.Security.Claims;
using System.Text;
using ContactCenter.Desktop;
using ContactCenter.Reporting.Aggregation;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ContactCenter.Reporting.Tests;

/// <summary>
/// The reports page in Debian's Chromium (never a downloaded browser), driven by Playwright against a Kestrel host serving the
/// desktop's pages beside the reports API, on a SQLite database holding the scripted morning: the charts render, the table shows
/// the day's figures, a click on a total lists the calls behind it, and the CSV downloaded from the page has the same numbers.
/// Screenshots go to TestResults/screenshots under the test output folder.
/// </summary>
public sealed class ReportsPageTests : IAsyncLifetime
{
    private const string ChromiumPath = "/usr/bin/chromium";
    private const string SigningKey = "reports-page-tests-signing-key-0123456789";
    private readonly string _folder = Directory.CreateTempSubdirectory("reports-page-").FullName;
    private WebApplication _app = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;
    private Uri _base = null!;

    private static string Screenshots { get; } = Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"The browser tests need Debian's Chromium at {ChromiumPath} (apt-get install chromium); it is missing.");
        }
        Directory.CreateDirectory(Screenshots);
        var queues = Path.Combine(_folder, "queues.yaml");
        await File.WriteAllTextAsync(queues, ScriptedDay.QueuesYaml);
        // The full builder, as the host's: the OpenAPI route's regex constraint needs it.
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:ContactCenter"] = $"Data Source={Path.Combine(_folder, "reports.db")}",
            ["Reporting:QueuesFile"] = queues,
        });
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
            // As the host does for browsers: the token in the HttpOnly cc_token cookie.
            o.Events = new JwtBearerEvents
            {
                OnMessageReceived = ctx =>
                {
                    if (string.IsNullOrEmpty(ctx.Token) && ctx.Request.Cookies.TryGetValue("cc_token", out var cookie))
                    {
                        ctx.Token = cookie;
                    }

                    return Task.CompletedTask;
                },
            };
        });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy("agent", p => p.RequireAuthenticatedUser().RequireRole("agent", "supervisor"))
            .AddPolicy("supervisor", p => p.RequireAuthenticatedUser().RequireRole("supervisor"));
        builder.Services.AddDesktop(builder.Configuration);
        builder.Services.AddReporting(builder.Configuration);
        _app = builder.Build();
        _app.UseAuthentication();
        _app.UseAuthorization();
        _app.MapDesktop();
        _app.MapReporting();
        await _app.Services.MigrateReportingDatabaseAsync(CancellationToken.None);
        var store = _app.Services.GetRequiredService<ReportStore>();
        await store.RecordAsync([.. ScriptedDay.Messages().Select(ScriptedDay.ToRecord)], CancellationToken.None);
        await store.AdvanceAgentTimeAsync(ScriptedDay.T(10, 30), CancellationToken.None);
        await _app.StartAsync();
        _base = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        SetDefaultExpectTimeout(15_000);
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

    [Fact]
    public async Task The_queue_report_renders_its_charts_a_click_on_abandoned_lists_the_calls_and_the_csv_has_the_same_numbers()
    {
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { AcceptDownloads = true, ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        var token = Token("sam", "supervisor");
        // As the sign-in leaves a browser: the token in an HttpOnly cookie, who signed in in the tab's session storage.
        await context.AddCookiesAsync([new Cookie { Name = "cc_token", Value = token, Url = _base.ToString(), HttpOnly = true, SameSite = SameSiteAttribute.Strict }]);
        await context.AddInitScriptAsync(
            "sessionStorage.setItem('cc_session', JSON.stringify({ login: 'sam', name: 'Sam Supervisor', roles: ['supervisor'], expiresAt: Date.now() + 3600000 }));");
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.Console += (_, m) =>
        {
            // The browser's own request for /favicon.ico (the desktop has none) is no error of the page.
            if (m.Type == "error" && !m.Location.Contains("/favicon.ico", StringComparison.Ordinal))
            {
                errors.Add($"{m.Text} ({m.Location})");
            }
        };
        page.PageError += (_, e) => errors.Add(e);
        page.Response += (_, r) =>
        {
            if (r.Status >= 400)
            {
                errors.Add($"{r.Status} {r.Url}");
            }
        };

        await page.GotoAsync(new Uri(_base, "/reports").ToString());
        await Expect(page.GetByTestId("queue")).ToContainTextAsync("billing");
        await page.GetByTestId("range").SelectOptionAsync("custom");
        await page.GetByTestId("from").FillAsync("2026-03-02");
        await page.GetByTestId("to").FillAsync("2026-03-02");
        await page.GetByTestId("interval").SelectOptionAsync("1h");
        await page.GetByTestId("show").ClickAsync();
        await Expect(page.GetByTestId("status-message")).ToHaveTextAsync("Report for 2026-03-02 to 2026-03-02.");

        // The day by hour: 24 rows per queue; 09:00 holds the morning.
        var nine = page.Locator("[data-testid=queue-row][data-queue=support][data-start='2026-03-02T09:00:00+00:00']");
        await Expect(nine.GetByTestId("figure-offered")).ToHaveTextAsync("5");
        await Expect(nine.GetByTestId("figure-answered")).ToHaveTextAsync("2");
        await Expect(nine.GetByTestId("figure-abandoned")).ToHaveTextAsync("1");
        await Expect(nine.GetByTestId("service-level")).ToContainTextAsync("25%");
        await Expect(nine.GetByTestId("asa")).ToHaveTextAsync("0:30");
        await Expect(nine.GetByTestId("aht")).ToHaveTextAsync("4:50");
        await Expect(page.GetByTestId("queue-report-rows").Locator("tr")).ToHaveCountAsync(48);
        // The charts drew (ECharts renders into canvases) and the agents' state timeline has its lanes.
        foreach (var chart in new[] { "chart-volume", "chart-service", "chart-states" })
        {
            await Expect(page.GetByTestId(chart).Locator("canvas")).ToHaveCountAsync(1);
        }
        await Expect(page.GetByTestId("agent-row")).ToHaveCountAsync(3);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, "reports-day-by-hour.png"), FullPage = true });

        // A click on the all-queues total's abandoned lists exactly the abandoned calls: B in support, E in billing.
        var total = page.Locator("[data-testid=queue-total-row][data-queue='*']");
        await Expect(total.GetByTestId("figure-abandoned")).ToHaveTextAsync("2");
        await total.GetByTestId("figure-abandoned").ClickAsync();
        var calls = page.GetByTestId("drilldown-rows").GetByTestId("drilldown-row");
        await Expect(calls).ToHaveCountAsync(2);
        Assert.Equal([ScriptedDay.B.ToString(), ScriptedDay.E.ToString()],
            await calls.EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.callId)"));
        await Expect(page.GetByTestId("drilldown-title")).ToContainTextAsync("2 calls abandoned: all queues");
        await calls.First.GetByTestId("show-history").ClickAsync();
        await Expect(page.GetByTestId("history-events")).ToContainTextAsync("left support: abandoned after 45 s at position 1");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, "reports-abandoned-calls.png"), FullPage = true });

        // The CSV the page downloads has the table's numbers.
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("download-csv").ClickAsync());
        var file = Path.Combine(Screenshots, "..", download.SuggestedFilename);
        await download.SaveAsAsync(file);
        Assert.EndsWith(".csv", download.SuggestedFilename, StringComparison.Ordinal);
        var lines = (await File.ReadAllTextAsync(file)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].Split(',');
        string Cell(string[] row, string column) => row[Array.IndexOf(header, column)];
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(48 + 3, rows.Count);
        var csvNine = rows.Single(r => Cell(r, "row") == "interval" && Cell(r, "queue") == "support" && Cell(r, "start") == "2026-03-02T09:00:00+00:00");
        Assert.Equal(await nine.GetByTestId("figure-offered").TextContentAsync(), Cell(csvNine, "offered"));
        Assert.Equal(await nine.GetByTestId("figure-answered").TextContentAsync(), Cell(csvNine, "answered"));
        Assert.Equal(await nine.GetByTestId("figure-abandoned").TextContentAsync(), Cell(csvNine, "abandoned"));
        Assert.Equal(0.25, double.Parse(Cell(csvNine, "serviceLevel"), CultureInfo.InvariantCulture));
        var csvTotal = rows.Single(r => Cell(r, "row") == "total" && Cell(r, "queue") == "*");
        Assert.Equal(await total.GetByTestId("figure-abandoned").TextContentAsync(), Cell(csvTotal, "abandoned"));
        Assert.Equal(await total.GetByTestId("figure-offered").TextContentAsync(), Cell(csvTotal, "offered"));

        Assert.True(errors.Count == 0, string.Join(Environment.NewLine, errors));
        await context.CloseAsync();
    }

    private static string Token(string login, string role)
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
}
