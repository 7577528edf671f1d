using System.Text.RegularExpressions;
using ContactCenter.Host.Configuration;
using Microsoft.Extensions.Configuration;
using Npgsql;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace ContactCenter.Host.Tests;

/// <summary>
/// docker/compose.postgres.yaml is docker/compose.yaml with PostgreSQL for SQL Server. No Docker engine runs here, so the
/// files are read as compose reads them (YAML with its anchors merged, ${VAR} filled in) and checked: the same services and
/// settings apart from the database, a database the host accepts, and a migrate job that waits for a healthy server.
/// </summary>
public sealed partial class ComposeFileTests
{
    private static readonly Dictionary<string, string> Variables = new()
    {
        ["POSTGRES_PASSWORD"] = "pg-secret",
        ["SA_PASSWORD"] = "Sa-Secret-1",
        ["RABBITMQ_PASSWORD"] = "rabbit-secret",
        ["CC_SIGNING_KEY"] = new string('k', 40),
    };

    private static Dictionary<string, object> Services(string file) =>
        (Dictionary<string, object>)Load(file)["services"];

    private static Dictionary<string, object> Load(string file)
    {
        var text = File.ReadAllText(Path.Combine(HostProcess.RepositoryRoot, "docker", file));
        text = VariablePattern().Replace(text, m => m.Groups["escaped"].Success ? "$"
            : Variables.TryGetValue(m.Groups["name"].Value, out var value) ? value
            : m.Groups["default"].Success ? m.Groups["default"].Value
            : throw new InvalidOperationException($"{file}: ${{{m.Groups["name"].Value}}} has no value in the test"));
        using var reader = new StringReader(text);
        var yaml = new DeserializerBuilder().Build().Deserialize<Dictionary<string, object>>(new MergingParser(new Parser(reader)));
        return Normalize(yaml);
    }

    [GeneratedRegex(@"(?<escaped>\$\$)|\$\{(?<name>[A-Z_]+)(?::-(?<default>[^}]*)|:\?[^}]*)?\}")]
    private static partial Regex VariablePattern();

    /// <summary>YAML mappings as string-keyed dictionaries, all the way down.</summary>
    private static Dictionary<string, object> Normalize(IDictionary<object, object> map) =>
        map.ToDictionary(e => (string)e.Key, e => NormalizeValue(e.Value));

    private static Dictionary<string, object> Normalize(Dictionary<string, object> map) =>
        map.ToDictionary(e => e.Key, e => NormalizeValue(e.Value));

    private static object NormalizeValue(object? value) => value switch
    {
        IDictionary<object, object> m => Normalize(m),
        List<object> l => l.Select(NormalizeValue).ToList(),
        null => "",
        _ => value,
    };

    private static Dictionary<string, object> Environment(Dictionary<string, object> service) =>
        service.TryGetValue("environment", out var env) ? (Dictionary<string, object>)env : [];

    [Fact]
    public void The_postgresql_variant_has_the_same_services_and_settings_but_for_the_database()
    {
        var sqlServer = Services("compose.yaml");
        var postgres = Services("compose.postgres.yaml");
        Assert.Equal(sqlServer.Keys.Where(k => k != "sqlserver").Order(), postgres.Keys.Where(k => k != "postgres").Order());
        string[] databaseKeys = ["Database__Provider", "ConnectionStrings__ContactCenter"];
        foreach (var name in sqlServer.Keys.Where(k => k != "sqlserver"))
        {
            var a = (Dictionary<string, object>)sqlServer[name];
            var b = (Dictionary<string, object>)postgres[name];
            Assert.Equal(a.Keys.Where(k => k != "depends_on").Order(), b.Keys.Where(k => k != "depends_on").Order());
            var envA = Environment(a).Where(e => !databaseKeys.Contains(e.Key)).ToDictionary();
            var envB = Environment(b).Where(e => !databaseKeys.Contains(e.Key)).ToDictionary();
            Assert.Equal(envA, envB);
            foreach (var key in a.Keys.Where(k => k is not ("environment" or "depends_on")))
            {
                Assert.Equal(System.Text.Json.JsonSerializer.Serialize(a[key]), System.Text.Json.JsonSerializer.Serialize(b[key]));
            }
        }
    }

    [Theory]
    [InlineData("compose.yaml", "SqlServer", "sqlserver")]
    [InlineData("compose.postgres.yaml", "PostgreSql", "postgres")]
    public void Every_module_gets_a_database_setting_the_host_accepts_and_the_migrate_job_waits_for_a_healthy_server(
        string file, string provider, string databaseService)
    {
        var services = Services(file);
        var database = (Dictionary<string, object>)services[databaseService];
        var healthcheck = (Dictionary<string, object>)database["healthcheck"];
        Assert.NotEmpty((List<object>)healthcheck["test"]);

        var migrate = (Dictionary<string, object>)services["migrate"];
        Assert.Equal(["migrate"], ((List<object>)migrate["command"]).Cast<string>());
        Assert.Equal("no", migrate["restart"]);
        var dependsOn = (Dictionary<string, object>)migrate["depends_on"];
        Assert.Equal("service_healthy", ((Dictionary<string, object>)dependsOn[databaseService])["condition"]);
        Assert.Equal("Crm,Routing,Reporting", Environment(migrate)["Services"]);
        Assert.Equal("Database", Environment(migrate)["Routing__JournalStore"]);

        foreach (var name in new[] { "migrate", "crm", "routing", "routing-standby", "telephony", "desktop", "reporting" })
        {
            var env = Environment((Dictionary<string, object>)services[name]);
            Assert.Equal(provider, env["Database__Provider"]);
            Assert.Equal("false", env["Database__MigrateOnStart"]);
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(env.ToDictionary(
                e => e.Key.Replace("__", ":", StringComparison.Ordinal), e => (string?)e.Value.ToString())).Build();
            var settings = HostSettings.Read(configuration);
            Assert.Equal(Enum.Parse<DatabaseProvider>(provider), settings.Provider);
            if (name != "migrate")
            {
                var moduleDependsOn = (Dictionary<string, object>)((Dictionary<string, object>)services[name])["depends_on"];
                Assert.Equal("service_completed_successfully", ((Dictionary<string, object>)moduleDependsOn["migrate"])["condition"]);
            }
        }
    }

    [Fact]
    public void The_postgresql_connection_string_names_the_compose_service_its_database_and_credentials()
    {
        var services = Services("compose.postgres.yaml");
        var postgres = Environment((Dictionary<string, object>)services["postgres"]);
        var crm = Environment((Dictionary<string, object>)services["crm"]);
        var builder = new NpgsqlConnectionStringBuilder((string)crm["ConnectionStrings__ContactCenter"]);
        Assert.Equal("postgres", builder.Host);
        Assert.Equal(5432, builder.Port);
        Assert.Equal(postgres["POSTGRES_DB"], builder.Database);
        Assert.Equal(postgres["POSTGRES_USER"], builder.Username);
        Assert.Equal(postgres["POSTGRES_PASSWORD"], builder.Password);
        Assert.Contains("postgres-data:/var/lib/postgresql/data", ((List<object>)((Dictionary<string, object>)services["postgres"])["volumes"]).Cast<string>());
    }
}
