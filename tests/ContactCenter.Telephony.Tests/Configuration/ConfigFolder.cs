namespace ContactCenter.Telephony.Tests.Configuration;

/// <summary>
/// A throw-away telephony-config folder: valid trunks/dids/queues files, the repository's real prompts (symlinked),
/// and whatever flow files a test writes. Deleted on dispose.
/// </summary>
internal sealed class ConfigFolder : IDisposable
{
    public const string Queues = """
        queues:
          - name: support
          - name: billing
          - { name: sales, wrapUpSeconds: 10 }
        """;

    public const string Trunks = """
        trunks:
          - name: local
            allow: [127.0.0.1, "::1", 10.1.0.0/16]
            dids: ["1000", "2000"]
        outbound:
          - name: carrier
            address: 127.0.0.1:5070
            callerId: "+442079460000"
            dial: ["+44*", "0800XXXXXX"]
        """;

    public const string Dids = """
        dids:
          - did: "1000"
            flow: test
          - did: "2000"
            queue: sales
        """;

    public const string MinimalFlow = """
        name: test
        start: menu
        nodes:
          menu:
            type: menu
            prompts: [menu/main]
            options:
              "1": sales
            default: sales
          sales:
            type: queue
            queue: sales
        """;

    public ConfigFolder(bool withDefaults = true)
    {
        Root = Path.Combine(Path.GetTempPath(), "cc-telephony-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(Root, "ivr"));
        Directory.CreateSymbolicLink(Path.Combine(Root, "prompts"), TestPaths.PromptsFolder);
        if (withDefaults)
        {
            Write("queues.yaml", Queues);
            Write("trunks.yaml", Trunks);
            Write("dids.yaml", Dids);
            Write("ivr/test.yaml", MinimalFlow);
        }
    }

    public string Root { get; }

    public ConfigFolder Write(string relativePath, string text)
    {
        var path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text.ReplaceLineEndings("\n") + "\n");
        return this;
    }

    public ConfigFolder Delete(string relativePath)
    {
        File.Delete(Path.Combine(Root, relativePath));
        return this;
    }

    public void Dispose()
    {
        try
        {
            // Remove the prompts link on its own first, so nothing can ever recurse into the real prompts.
            var link = new DirectoryInfo(Path.Combine(Root, "prompts"));
            if (link.LinkTarget is not null)
            {
                link.Delete();
            }

            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
