namespace ContactCenter.Telephony.Tests;

/// <summary>Locates the repository's telephony-config folder from the test binaries.</summary>
internal static class TestPaths
{
    public static string ConfigFolder { get; } = Find();

    public static string PromptsFolder => Path.Combine(ConfigFolder, "prompts");

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "telephony-config");
            if (File.Exists(Path.Combine(candidate, "trunks.yaml")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"telephony-config not found above {AppContext.BaseDirectory}");
    }
}
