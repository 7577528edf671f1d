namespace ContactCenter.Host.Configuration;

/// <summary>A setting that stops start-up: names the key and what is wrong with it.</summary>
internal sealed class ConfigurationError(string key, string problem) : Exception($"{key}: {problem}")
{
    public string Key { get; } = key;
}
