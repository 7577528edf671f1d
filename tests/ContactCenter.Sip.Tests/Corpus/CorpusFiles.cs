namespace ContactCenter.Sip.Tests.Corpus;

/// <summary>The RFC 4475 / RFC 5118 torture corpora and their index.tsv verdicts.</summary>
public static class CorpusFiles
{
    public static string Root
    {
        get
        {
            var env = Environment.GetEnvironmentVariable("SIP_CORPORA");
            if (!string.IsNullOrEmpty(env))
            {
                return env;
            }
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null)
            {
                var candidate = Path.Combine(dir.FullName, "shared", "corpora");
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
                dir = dir.Parent;
            }
            throw new InvalidOperationException("SIP corpora not found: set SIP_CORPORA or place them at ../shared/corpora");
        }
    }

    public sealed record Entry(string Corpus, string File, string Verdict, string Handling)
    {
        public string Path => System.IO.Path.Combine(Root, Corpus, File);
        public byte[] Bytes => System.IO.File.ReadAllBytes(Path);
        public bool ShouldParse => Verdict is "VALID" or "VALID-SYNTAX" or "TOLERATE" or "VALID-SYNTAX/SEMANTIC-ERROR";
        public override string ToString() => $"{Corpus}/{File}";
    }

    public static IReadOnlyList<Entry> All()
    {
        var list = new List<Entry>();
        foreach (var corpus in new[] { "rfc4475", "rfc5118" })
        {
            foreach (var line in File.ReadAllLines(System.IO.Path.Combine(Root, corpus, "index.tsv")))
            {
                if (line.StartsWith('#') || line.Trim().Length == 0)
                {
                    continue;
                }
                var f = line.Split('\t');
                var verdict = corpus == "rfc4475" ? f[4] : f[3];
                var handling = corpus == "rfc4475" ? f[5] : f[4];
                list.Add(new Entry(corpus, f[0], verdict, handling));
            }
        }
        return list;
    }

    public static TheoryData<string> Names()
    {
        var d = new TheoryData<string>();
        foreach (var e in All())
        {
            d.Add(e.ToString());
        }
        return d;
    }

    public static Entry Get(string name) => All().Single(e => e.ToString() == name);
}
