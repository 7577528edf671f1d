namespace ContactCenter.Telephony.Configuration;

/// <summary>One problem in telephony-config: the file (relative to the config folder), the place and the field.</summary>
/// <param name="File">Path relative to the config folder, with forward slashes (e.g. <c>ivr/main.yaml</c>).</param>
/// <param name="Line">1-based line, 0 when the problem concerns the whole file.</param>
/// <param name="Column">1-based column, 0 when unknown.</param>
/// <param name="Field">Dotted path of the field (e.g. <c>nodes.menu.options.2</c>).</param>
/// <param name="Message">What is wrong, in words.</param>
public sealed record ConfigError(string File, int Line, int Column, string Field, string Message)
{
    /// <summary>The error as one line: <c>file:line:column: field: message</c>.</summary>
    public override string ToString() => $"{File}:{Line}:{Column}: {Field}: {Message}";
}

/// <summary>Thrown when telephony-config does not load; carries every error found, not just the first.</summary>
public sealed class TelephonyConfigException : Exception
{
    /// <summary>Creates the exception from the full list of errors.</summary>
    public TelephonyConfigException(IReadOnlyList<ConfigError> errors)
        : base(Describe(errors))
    {
        Errors = errors;
    }

    /// <summary>Creates an exception with a single message (for serializers and tooling).</summary>
    public TelephonyConfigException(string message)
        : base(message)
    {
        Errors = [];
    }

    /// <summary>Creates an exception with a single message and an inner exception.</summary>
    public TelephonyConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [];
    }

    /// <summary>Creates an exception with no details.</summary>
    public TelephonyConfigException()
    {
        Errors = [];
    }

    /// <summary>Every error found, in file order.</summary>
    public IReadOnlyList<ConfigError> Errors { get; }

    private static string Describe(IReadOnlyList<ConfigError> errors) =>
        $"telephony-config has {errors.Count} error(s):{Environment.NewLine}" +
        string.Join(Environment.NewLine, errors.Select(e => "  " + e));
}
