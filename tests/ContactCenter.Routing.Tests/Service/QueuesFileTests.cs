using ContactCenter.Routing.Service;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ContactCenter.Routing.Tests.Service;

/// <summary>Routing finds queues.yaml the way the gateway finds telephony-config: from the content root upwards.</summary>
public sealed class QueuesFileTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("cc-queues-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void Default_queues_file_is_found_above_the_content_root()
    {
        Directory.CreateDirectory(Path.Combine(root, "telephony-config"));
        var queues = Path.Combine(root, "telephony-config", "queues.yaml");
        File.WriteAllText(queues, "queues:\n  - name: support\n    skills:\n      - { skill: support, level: 1 }\n");
        // The host started from a folder two levels down (as `dotnet bin/.../ContactCenter.Host.dll` is), working folder elsewhere.
        var contentRoot = Directory.CreateDirectory(Path.Combine(root, "src", "ContactCenter.Host")).FullName;

        var options = Build(contentRoot, []);

        Assert.Equal(Path.GetFullPath(queues), Path.GetFullPath(options.QueuesFile!));
    }

    [Fact]
    public void A_missing_queues_file_is_reported_with_the_path_as_configured()
    {
        var contentRoot = Directory.CreateDirectory(Path.Combine(root, "elsewhere")).FullName;

        var error = Assert.Throws<OptionsValidationException>(() => Build(contentRoot, new() { ["Routing:QueuesFile"] = "no-such/queues.yaml" }));

        Assert.Contains("Routing:QueuesFile: file 'no-such/queues.yaml' not found", error.Message, StringComparison.Ordinal);
    }

    private static RoutingOptions Build(string contentRoot, Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = contentRoot, DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddRouting(builder.Configuration);
        using var host = builder.Build();
        return host.Services.GetRequiredService<IOptions<RoutingOptions>>().Value;
    }
}
