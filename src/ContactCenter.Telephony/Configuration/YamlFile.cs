using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ContactCenter.Telephony.Configuration;

/// <summary>
/// One YAML file being read: typed accessors over YamlDotNet's representation model that
/// record every problem (with its line, column and field) instead of stopping at the first.
/// </summary>
internal sealed class YamlFile
{
    private readonly List<ConfigError> errors;

    private YamlFile(string file, YamlMappingNode root, List<ConfigError> errors)
    {
        File = file;
        Root = root;
        this.errors = errors;
    }

    /// <summary>Path relative to the config folder.</summary>
    public string File { get; }

    /// <summary>Errors recorded so far (all files of this load).</summary>
    public int ErrorCount => errors.Count;

    /// <summary>The top-level mapping.</summary>
    public YamlMappingNode Root { get; }

    /// <summary>Parses a file; on a syntax error or a non-mapping root records the error and returns null.</summary>
    public static YamlFile? Load(string fullPath, string relativePath, List<ConfigError> errors)
    {
        string text;
        try
        {
            text = System.IO.File.ReadAllText(fullPath);
        }
        catch (IOException ex)
        {
            errors.Add(new ConfigError(relativePath, 0, 0, "(file)", $"cannot read the file: {ex.Message}"));
            return null;
        }
        catch (UnauthorizedAccessException ex)
        {
            errors.Add(new ConfigError(relativePath, 0, 0, "(file)", $"cannot read the file: {ex.Message}"));
            return null;
        }

        var stream = new YamlStream();
        using var reader = new StringReader(text);
        var parser = new Parser(reader);
        try
        {
            stream.Load(parser);
        }
        catch (YamlException ex)
        {
            var message = ex.InnerException is null ? ex.Message : $"{ex.Message} {ex.InnerException.Message}";
            errors.Add(new ConfigError(relativePath, (int)ex.Start.Line, (int)ex.Start.Column, "(syntax)", $"invalid YAML: {message}"));
            return null;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this on some malformed input (e.g. an unclosed flow sequence);
            // the last event it produced is the best place to point at.
            var mark = parser.Current?.End;
            errors.Add(new ConfigError(relativePath, (int)(mark?.Line ?? 0), (int)(mark?.Column ?? 0), "(syntax)", "invalid YAML after this point (unclosed bracket or quote?)"));
            return null;
        }

        if (stream.Documents.Count == 0)
        {
            errors.Add(new ConfigError(relativePath, 0, 0, "(file)", "the file is empty"));
            return null;
        }

        if (stream.Documents.Count > 1)
        {
            var second = stream.Documents[1].RootNode;
            errors.Add(new ConfigError(relativePath, (int)second.Start.Line, (int)second.Start.Column, "(file)", "expected one YAML document, found several"));
            return null;
        }

        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            var node = stream.Documents[0].RootNode;
            errors.Add(new ConfigError(relativePath, (int)node.Start.Line, (int)node.Start.Column, "(file)", "expected a mapping at the top of the file"));
            return null;
        }

        return new YamlFile(relativePath, root, errors);
    }

    /// <summary>Records an error at a node.</summary>
    public void Error(YamlNode? node, string field, string message)
    {
        var line = node is null ? 0 : (int)node.Start.Line;
        var column = node is null ? 0 : (int)node.Start.Column;
        errors.Add(new ConfigError(File, line, column, field, message));
    }

    /// <summary>The value of a key, or null when absent (or explicitly null).</summary>
    public static YamlNode? Get(YamlMappingNode map, string key)
    {
        foreach (var (k, v) in map.Children)
        {
            if (k is YamlScalarNode s && s.Value == key)
            {
                return IsNull(v) ? null : v;
            }
        }

        return null;
    }

    /// <summary>The key node itself (for marks), or the map when absent.</summary>
    public static YamlNode KeyOrMap(YamlMappingNode map, string key)
    {
        foreach (var (k, _) in map.Children)
        {
            if (k is YamlScalarNode s && s.Value == key)
            {
                return k;
            }
        }

        return map;
    }

    /// <summary>Reports keys that are not in the allowed list (catches typos such as <c>tiemout</c>).</summary>
    public void CheckKeys(YamlMappingNode map, string prefix, params string[] allowed)
    {
        foreach (var (k, _) in map.Children)
        {
            var name = (k as YamlScalarNode)?.Value ?? "?";
            if (Array.IndexOf(allowed, name) < 0)
            {
                Error(k, Join(prefix, name), $"unknown field '{name}' (allowed here: {string.Join(", ", allowed)})");
            }
        }
    }

    /// <summary>A required or optional mapping.</summary>
    public YamlMappingNode? Map(YamlMappingNode parent, string key, string prefix, bool required)
    {
        var node = Get(parent, key);
        if (node is null)
        {
            if (required)
            {
                Error(KeyOrMap(parent, key), Join(prefix, key), "is required");
            }

            return null;
        }

        if (node is YamlMappingNode m)
        {
            return m;
        }

        Error(node, Join(prefix, key), "expected a mapping (key: value lines)");
        return null;
    }

    /// <summary>A required or optional sequence; a single scalar is accepted as a one-item list.</summary>
    public IReadOnlyList<YamlNode>? List(YamlMappingNode parent, string key, string prefix, bool required)
    {
        var node = Get(parent, key);
        if (node is null)
        {
            if (required)
            {
                Error(KeyOrMap(parent, key), Join(prefix, key), "is required");
            }

            return null;
        }

        return node switch
        {
            YamlSequenceNode seq => seq.Children.ToList(),
            YamlScalarNode scalar => [scalar],
            _ => ListError(node, Join(prefix, key)),
        };
    }

    private List<YamlNode>? ListError(YamlNode node, string field)
    {
        Error(node, field, "expected a list");
        return null;
    }

    /// <summary>A scalar string.</summary>
    public string? String(YamlMappingNode parent, string key, string prefix, bool required)
    {
        var node = Get(parent, key);
        if (node is null)
        {
            if (required)
            {
                Error(KeyOrMap(parent, key), Join(prefix, key), "is required");
            }

            return null;
        }

        return Scalar(node, Join(prefix, key));
    }

    /// <summary>A node that must be a non-empty scalar.</summary>
    public string? Scalar(YamlNode node, string field)
    {
        if (node is YamlScalarNode s && !string.IsNullOrWhiteSpace(s.Value))
        {
            return s.Value.Trim();
        }

        Error(node, field, "expected a single value");
        return null;
    }

    /// <summary>An integer within bounds.</summary>
    public int? Int(YamlMappingNode parent, string key, string prefix, int min, int max)
    {
        var node = Get(parent, key);
        if (node is null)
        {
            return null;
        }

        var field = Join(prefix, key);
        var text = Scalar(node, field);
        if (text is null)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            Error(node, field, $"expected a whole number from {min} to {max}, got '{text}'");
            return null;
        }

        return value;
    }

    /// <summary>A boolean (<c>true</c>/<c>false</c>).</summary>
    public bool? Bool(YamlMappingNode parent, string key, string prefix)
    {
        var node = Get(parent, key);
        if (node is null)
        {
            return null;
        }

        var field = Join(prefix, key);
        var text = Scalar(node, field);
        if (text is null)
        {
            return null;
        }

        if (bool.TryParse(text, out var value))
        {
            return value;
        }

        Error(node, field, $"expected true or false, got '{text}'");
        return null;
    }

    /// <summary>A duration such as <c>5s</c>, <c>500ms</c>, <c>1m30s</c>, <c>2h</c>.</summary>
    public TimeSpan? Duration(YamlMappingNode parent, string key, string prefix, TimeSpan min, TimeSpan max)
    {
        var node = Get(parent, key);
        if (node is null)
        {
            return null;
        }

        var field = Join(prefix, key);
        var text = Scalar(node, field);
        if (text is null)
        {
            return null;
        }

        if (!DurationText.TryParse(text, out var value))
        {
            Error(node, field, $"'{text}' is not a duration; write a number with a unit: 500ms, 5s, 2m, 1m30s, 1h");
            return null;
        }

        if (value < min || value > max)
        {
            Error(node, field, $"{text} is out of range ({DurationText.Format(min)} to {DurationText.Format(max)})");
            return null;
        }

        return value;
    }

    /// <summary>Joins a field prefix and a key with a dot.</summary>
    public static string Join(string prefix, string key) => prefix.Length == 0 ? key : $"{prefix}.{key}";

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode s && s.Style == ScalarStyle.Plain && (s.Value is null || s.Value.Length == 0 || s.Value == "~" || s.Value == "null");
}
