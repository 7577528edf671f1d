namespace ContactCenter.Telephony.Ivr;

/// <summary>The prompt files found under telephony-config/prompts at load time (names without <c>.wav</c>).</summary>
internal sealed class PromptCatalog
{
    private readonly HashSet<string> names;

    public PromptCatalog(string root, IEnumerable<string> names)
    {
        Root = root;
        this.names = new HashSet<string>(names, StringComparer.Ordinal);
    }

    /// <summary>Absolute path of the prompts folder.</summary>
    public string Root { get; }

    /// <summary>All prompt names.</summary>
    public IReadOnlySet<string> Names => names;

    /// <summary>True when <c>prompts/{name}.wav</c> exists.</summary>
    public bool Contains(string name) => names.Contains(name);

    /// <summary>The absolute file path of a prompt.</summary>
    public string PathOf(string name) => System.IO.Path.Combine(Root, name.Replace('/', System.IO.Path.DirectorySeparatorChar) + ".wav");

    /// <summary>Scans a prompts folder for *.wav files (recursively).</summary>
    public static PromptCatalog Scan(string root)
    {
        if (!Directory.Exists(root))
        {
            return new PromptCatalog(root, []);
        }

        var found = Directory.EnumerateFiles(root, "*.wav", SearchOption.AllDirectories)
            .Select(f => System.IO.Path.GetRelativePath(root, f))
            .Select(r => r[..^4].Replace(System.IO.Path.DirectorySeparatorChar, '/'));
        return new PromptCatalog(root, found);
    }
}
