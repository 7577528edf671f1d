using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Telephony.Configuration;

/// <summary>Finds the telephony-config folder and loads it once per path (the validator and the services share the result).</summary>
internal sealed class TelephonyConfigSource
{
    private readonly ConcurrentDictionary<string, Lazy<(TelephonyConfig? Config, IReadOnlyList<ConfigError> Errors)>> loaded = new(StringComparer.Ordinal);
    private readonly string baseDirectory;
    private readonly ILogger<TelephonyConfigSource> logger;

    public TelephonyConfigSource(ILogger<TelephonyConfigSource> logger, IHostEnvironment? environment = null)
    {
        this.logger = logger;
        baseDirectory = environment?.ContentRootPath ?? Directory.GetCurrentDirectory();
    }

    /// <summary>The absolute folder a configured path stands for.</summary>
    public string Resolve(string configPath)
    {
        if (Path.IsPathRooted(configPath))
        {
            return configPath;
        }

        for (var dir = new DirectoryInfo(baseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, configPath);
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return Path.Combine(baseDirectory, configPath);
    }

    /// <summary>Loads (once) and returns the config or every error.</summary>
    public (TelephonyConfig? Config, IReadOnlyList<ConfigError> Errors) TryGet(string configPath)
    {
        var folder = Resolve(configPath);
        return loaded.GetOrAdd(folder, f => new Lazy<(TelephonyConfig?, IReadOnlyList<ConfigError>)>(() => Load(f))).Value;
    }

    /// <summary>The loaded config; throws <see cref="TelephonyConfigException"/> with every error when it does not load.</summary>
    public TelephonyConfig Get(string configPath)
    {
        var (config, errors) = TryGet(configPath);
        return config ?? throw new TelephonyConfigException(errors);
    }

    private (TelephonyConfig?, IReadOnlyList<ConfigError>) Load(string folder)
    {
        var (config, errors) = TelephonyConfigLoader.TryLoad(folder);
        if (config is not null)
        {
            logger.LogInformation(
                "Loaded telephony-config from {Folder}: {Trunks} trunk(s), {Dids} DID(s), {Flows} IVR flow(s), {Prompts} prompt(s)",
                folder, config.Trunks.Count, config.Dids.Count, config.Flows.Count, config.Prompts.Names.Count);
        }
        else
        {
            foreach (var error in errors)
            {
                logger.LogError("telephony-config: {Error}", error.ToString());
            }
        }

        return (config, errors);
    }
}
