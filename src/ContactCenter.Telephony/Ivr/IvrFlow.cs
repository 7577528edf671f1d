using ContactCenter.Contracts;

namespace ContactCenter.Telephony.Ivr;

/// <summary>A compiled, validated IVR flow: named nodes and the node a call starts at.</summary>
internal sealed record IvrFlow
{
    /// <summary>Flow name (the file's <c>name:</c>, or its file name).</summary>
    public required string Name { get; init; }

    /// <summary>First element of the IVR path (e.g. <c>main</c>); empty for a DID routed straight to a queue.</summary>
    public required string PathRoot { get; init; }

    /// <summary>Id of the first node.</summary>
    public required string Start { get; init; }

    /// <summary>Nodes by id.</summary>
    public required IReadOnlyDictionary<string, IvrNode> Nodes { get; init; }

    /// <summary>A one-node flow that hands the call straight to a queue (DID with <c>queue:</c> and no IVR).</summary>
    public static IvrFlow DirectToQueue(string did, string queue) => new()
    {
        Name = $"did-{did}",
        PathRoot = string.Empty,
        Start = "queue",
        Nodes = new Dictionary<string, IvrNode>(StringComparer.Ordinal)
        {
            ["queue"] = new QueueNode { Id = "queue", Queue = queue },
        },
    };
}

/// <summary>A node of a flow. <see cref="PathLabel"/>, when set, is appended to the IVR path when the node is entered.</summary>
internal abstract record IvrNode
{
    /// <summary>Node id (its key under <c>nodes:</c>).</summary>
    public required string Id { get; init; }

    /// <summary>Label appended to the IVR path on entry, if any.</summary>
    public string? PathLabel { get; init; }

    /// <summary>Every node this one can go to.</summary>
    public abstract IEnumerable<string> Targets { get; }

    /// <summary>True when the call can leave the IVR from this node (queue, callback, hang-up, transfer, voicemail).</summary>
    public virtual bool IsExit => false;
}

/// <summary>Plays prompts, then goes on. A different sequence may be given for callers the CRM knows.</summary>
internal sealed record PlayNode : IvrNode
{
    public required IReadOnlyList<string> Prompts { get; init; }
    public IReadOnlyList<string>? KnownCallerPrompts { get; init; }
    public bool BargeIn { get; init; }
    public required string Next { get; init; }
    public override IEnumerable<string> Targets => [Next];
}

/// <summary>Plays a menu and waits for one key.</summary>
internal sealed record MenuNode : IvrNode
{
    public required IReadOnlyList<string> Prompts { get; init; }
    public required IReadOnlyDictionary<char, string> Options { get; init; }
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);
    public int Retries { get; init; } = 2;
    public IReadOnlyList<string> InvalidPrompts { get; init; } = [];
    public IReadOnlyList<string> NoInputPrompts { get; init; } = [];
    public string? Invalid { get; init; }
    public string? NoInput { get; init; }
    public required string Default { get; init; }
    public bool BargeIn { get; init; } = true;

    public override IEnumerable<string> Targets
    {
        get
        {
            foreach (var target in Options.Values)
            {
                yield return target;
            }

            if (Invalid is not null)
            {
                yield return Invalid;
            }

            if (NoInput is not null)
            {
                yield return NoInput;
            }

            yield return Default;
        }
    }
}

/// <summary>Collects several digits into a variable.</summary>
internal sealed record CollectNode : IvrNode
{
    public required IReadOnlyList<string> Prompts { get; init; }
    public required string Into { get; init; }
    public int MinDigits { get; init; } = 1;
    public required int MaxDigits { get; init; }
    public char? Terminator { get; init; }
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan InterDigitTimeout { get; init; } = TimeSpan.FromSeconds(3);
    public int Retries { get; init; } = 1;
    public IReadOnlyList<string> InvalidPrompts { get; init; } = [];
    public required string Next { get; init; }
    public required string NoInput { get; init; }
    public override IEnumerable<string> Targets => [Next, NoInput];
}

/// <summary>Branches on a weekly schedule in a time zone, with holiday dates closed.</summary>
internal sealed record HoursNode : IvrNode
{
    public required TimeZoneInfo TimeZone { get; init; }
    public required IReadOnlyDictionary<DayOfWeek, IReadOnlyList<(TimeOnly From, TimeOnly To, bool ToMidnight)>> Schedule { get; init; }
    public required IReadOnlySet<DateOnly> Holidays { get; init; }
    public required string Open { get; init; }
    public required string Closed { get; init; }
    public override IEnumerable<string> Targets => [Open, Closed];
}

/// <summary>How a caller is identified.</summary>
internal enum IdentifyBy
{
    /// <summary>By the calling number.</summary>
    Ani,
    /// <summary>By an account number the caller keyed in (a variable).</summary>
    Digits,
}

/// <summary>Identifies the caller through the CRM.</summary>
internal sealed record IdentifyNode : IvrNode
{
    public required IdentifyBy By { get; init; }
    public string? From { get; init; }
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(3);
    public required string Known { get; init; }
    public required string Unknown { get; init; }
    public override IEnumerable<string> Targets => [Known, Unknown];
}

/// <summary>Self-service: reads back the status of the caller's latest case, or of a keyed-in case number.</summary>
internal sealed record CaseStatusNode : IvrNode
{
    /// <summary>Variable holding the keyed-in case number; null for the caller's latest case.</summary>
    public string? CaseNumberFrom { get; init; }
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);
    public required string Found { get; init; }
    public required string NotFound { get; init; }
    public override IEnumerable<string> Targets => [Found, NotFound];
}

/// <summary>Offers a callback into a queue; accepted → callback registered and the call ends.</summary>
internal sealed record CallbackNode : IvrNode
{
    public required IReadOnlyList<string> Prompts { get; init; }
    public char AcceptDigit { get; init; } = '1';
    public required string Queue { get; init; }
    public IReadOnlyList<string> ConfirmPrompts { get; init; } = [];
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);
    public required string Declined { get; init; }
    public override IEnumerable<string> Targets => [Declined];
    public override bool IsExit => true;
}

/// <summary>Sets skills, priority and/or language carried into the queue.</summary>
internal sealed record SetNode : IvrNode
{
    public IReadOnlyList<SkillLevel> Skills { get; init; } = [];
    public int? Priority { get; init; }
    public string? Language { get; init; }
    public required string Next { get; init; }
    public override IEnumerable<string> Targets => [Next];
}

/// <summary>Hands the call to a queue; music, position/EWT announcements and a callback offer while waiting.</summary>
internal sealed record QueueNode : IvrNode
{
    public required string Queue { get; init; }
    public IReadOnlyList<SkillLevel> Skills { get; init; } = [];
    public int? Priority { get; init; }
    public IReadOnlyList<string> Prompts { get; init; } = [];
    public string Music { get; init; } = PromptNames.HoldMusic;
    public TimeSpan? AnnounceEvery { get; init; }
    public TimeSpan? CallbackAfter { get; init; }
    public char CallbackDigit { get; init; } = '1';
    public IReadOnlyList<string> CallbackPrompts { get; init; } = [PromptNames.CallbackOffer];
    public IReadOnlyList<string> CallbackConfirmPrompts { get; init; } = [PromptNames.CallbackConfirmed];
    public override IEnumerable<string> Targets => [];
    public override bool IsExit => true;
}

/// <summary>Plays optional prompts and hangs up.</summary>
internal sealed record HangUpNode : IvrNode
{
    public IReadOnlyList<string> Prompts { get; init; } = [];
    public string Reason { get; init; } = "ivr-hangup";
    public override IEnumerable<string> Targets => [];
    public override bool IsExit => true;
}

/// <summary>Takes a voicemail that becomes a callback in <see cref="Queue"/>; the call ends after it.</summary>
internal sealed record VoicemailNode : IvrNode
{
    /// <summary>The greeting before the beep; empty for the standard <c>voicemail/greeting</c>.</summary>
    public IReadOnlyList<string> Prompts { get; init; } = [];

    /// <summary>The longest message; null for the gateway's <c>Telephony:Voicemail:MaxLength</c>.</summary>
    public TimeSpan? MaxLength { get; init; }

    /// <summary>The queue whose callback the message becomes.</summary>
    public required string Queue { get; init; }

    public override IEnumerable<string> Targets => [];
    public override bool IsExit => true;
}

/// <summary>Plays optional prompts and transfers the call to a SIP URI or number.</summary>
internal sealed record TransferNode : IvrNode
{
    public IReadOnlyList<string> Prompts { get; init; } = [];
    public required string Target { get; init; }
    public override IEnumerable<string> Targets => [];
    public override bool IsExit => true;
}
