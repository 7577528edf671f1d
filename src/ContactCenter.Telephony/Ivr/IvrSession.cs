using ContactCenter.Contracts;

namespace ContactCenter.Telephony.Ivr;

/// <summary>
/// The IVR for one call: a deterministic state machine over a compiled <see cref="IvrFlow"/>. It does no I/O and
/// starts no timers itself: events go in through <see cref="Handle"/>, and the returned actions (play, collect,
/// look up, queue, hang up, timers...) are carried out by the call session in order. The clock is the injected
/// <see cref="TimeProvider"/> (business hours, queue times). Not thread-safe: feed one call's events one at a time.
/// </summary>
internal sealed class IvrSession
{
    private const int TypeAheadLimit = 16;
    private static readonly TimeSpan CallbackReplyTimeout = TimeSpan.FromSeconds(5);

    private readonly IvrFlow flow;
    private readonly PromptCatalog prompts;
    private readonly TimeProvider time;
    private readonly List<string> path = [];
    private readonly Dictionary<string, string> variables = new(StringComparer.Ordinal);
    private readonly Dictionary<long, TimerKind> timers = [];
    private readonly List<char> typeAhead = [];
    private readonly List<char> digits = [];
    private readonly List<SkillLevel> skills = [];
    private List<IvrAction> actions = [];

    private IvrNode? node;
    private Phase phase = Phase.NotStarted;
    private int attempts;
    private long nextId;
    private long playId;
    private long requestId;
    private bool collecting;
    private bool callerResolved;
    private CallerInfo? caller;
    private int? priority;
    private string? language;
    private string? queue;
    private DateTimeOffset? queuedAt;
    private QueuePositionChanged? position;
    private bool callbackOffered;
    private string ani = string.Empty;
    private int steps;

    public IvrSession(IvrFlow flow, PromptCatalog prompts, TimeProvider time)
    {
        this.flow = flow;
        this.prompts = prompts;
        this.time = time;
        if (flow.PathRoot.Length > 0)
        {
            path.Add(flow.PathRoot);
        }
    }

    private enum Phase
    {
        NotStarted,
        Playing,
        MenuPrompt,
        MenuWait,
        CollectPrompt,
        CollectWait,
        LookingUpCaller,
        LookingUpCase,
        ReadingBack,
        CallbackPrompt,
        CallbackWait,
        QueueEntryPrompt,
        QueueMusic,
        QueueAnnouncing,
        QueueCallbackPrompt,
        QueueCallbackWait,
        FinalPrompt,
        Done,
    }

    private enum TimerKind
    {
        Step,
        Announce,
        CallbackOffer,
    }

    /// <summary>The flow this session runs.</summary>
    public string FlowName => flow.Name;

    /// <summary>The path so far, e.g. <c>main&gt;2&gt;support</c>.</summary>
    public string IvrPath => string.Join('>', path);

    /// <summary>Id of the node the call is at (null before <see cref="CallStarted"/>).</summary>
    public string? CurrentNode => node?.Id;

    /// <summary>True once the IVR has nothing more to do (hung up, transferred, callback taken, agent connected, caller gone).</summary>
    public bool IsFinished => phase == Phase.Done;

    /// <summary>True while the call waits in a queue (after <see cref="QueueCall"/>).</summary>
    public bool IsQueued => phase is Phase.QueueEntryPrompt or Phase.QueueMusic or Phase.QueueAnnouncing or Phase.QueueCallbackPrompt or Phase.QueueCallbackWait;

    /// <summary>The queue the call was handed to, if any.</summary>
    public string? Queue => queue;

    /// <summary>The caller as identified by the CRM, if known.</summary>
    public CallerInfo? Caller => caller;

    /// <summary>Digits collected into variables by collect nodes.</summary>
    public IReadOnlyDictionary<string, string> Variables => variables;

    /// <summary>Feeds one event; returns the actions to carry out, in order (empty when the event changes nothing).</summary>
    public IReadOnlyList<IvrAction> Handle(IvrEvent ivrEvent)
    {
        ArgumentNullException.ThrowIfNull(ivrEvent);
        actions = [];
        steps = 0;
        if (phase == Phase.Done)
        {
            return actions;
        }

        switch (ivrEvent)
        {
            case CallStarted started:
                OnStarted(started);
                break;
            case DigitPressed pressed:
                OnDigit(pressed.Digit);
                break;
            case PromptFinished finished:
                if (finished.PlayId == playId && playId != 0)
                {
                    playId = 0;
                    OnPromptFinished();
                }

                break;
            case TimerFired fired:
                if (timers.Remove(fired.TimerId, out var kind))
                {
                    OnTimer(kind);
                }

                break;
            case CallerLookupCompleted lookup:
                OnCallerLookup(lookup);
                break;
            case CaseStatusLookupCompleted lookup:
                OnCaseLookup(lookup);
                break;
            case QueuePositionChanged changed:
                position = changed;
                break;
            case CallbackOfferRequested:
                OfferQueueCallback();
                break;
            case AgentConnected:
                Finish(stopMedia: true);
                break;
            case CallerHungUp:
                Finish(stopMedia: false);
                break;
            case VoicemailRequested:
                if (queue is not null && queuedAt is not null)
                {
                    Finish(stopMedia: true);
                    Emit(new TakeVoicemail(MakeQueueCall(isCallback: true), [], null));
                }

                break;
            default:
                throw new ArgumentException($"unknown IVR event {ivrEvent.GetType().Name}", nameof(ivrEvent));
        }

        return actions;
    }

    private void OnStarted(CallStarted started)
    {
        if (phase != Phase.NotStarted)
        {
            return;
        }

        ani = started.Ani;
        Enter(flow.Start);
    }

    private void Enter(string id)
    {
        // Validation guarantees every loop has an exit, but a caller could still bounce between nodes that need no
        // input; this bound keeps one event from spinning forever whatever the flow.
        if (++steps > 1_000)
        {
            Emit(new HangUp("ivr-loop", CallOutcome.Rejected));
            Finish(stopMedia: true);
            return;
        }

        CancelTimers(TimerKind.Step);
        StopCollecting();
        node = flow.Nodes[id];
        attempts = 0;
        if (node.PathLabel is { } label)
        {
            path.Add(label);
        }

        switch (node)
        {
            case PlayNode play:
                var list = caller is not null && play.KnownCallerPrompts is not null ? play.KnownCallerPrompts : play.Prompts;
                if ((play.BargeIn && typeAhead.Count > 0) || !Play(list, play.BargeIn, loop: false))
                {
                    // Keys already pressed skip an interruptible prompt, as pressing them during it would.
                    Enter(play.Next);
                    return;
                }

                phase = Phase.Playing;
                break;
            case MenuNode menu:
                StartMenu(menu, []);
                break;
            case CollectNode collect:
                StartCollect(collect, []);
                break;
            case HoursNode hours:
                Enter(BusinessHours.IsOpen(hours, time.GetUtcNow()) ? hours.Open : hours.Closed);
                break;
            case IdentifyNode identify:
                StartIdentify(identify);
                break;
            case CaseStatusNode status:
                StartCaseLookup(status);
                break;
            case CallbackNode callback:
                typeAhead.Clear();
                Play(callback.Prompts, bargeIn: true, loop: false);
                StartCollecting(1, 1, null, callback.Timeout);
                phase = Phase.CallbackPrompt;
                break;
            case SetNode set:
                ApplySet(set);
                Enter(set.Next);
                break;
            case QueueNode queueNode:
                EnterQueue(queueNode);
                break;
            case HangUpNode hangUp:
                typeAhead.Clear();
                StopCollecting();
                if (Play(hangUp.Prompts, bargeIn: false, loop: false))
                {
                    phase = Phase.FinalPrompt;
                }
                else
                {
                    FinishFinal();
                }

                break;
            case VoicemailNode voicemail:
                StartVoicemail(voicemail);
                break;
            case TransferNode transfer:
                typeAhead.Clear();
                StopCollecting();
                if (Play(transfer.Prompts, bargeIn: false, loop: false))
                {
                    phase = Phase.FinalPrompt;
                }
                else
                {
                    FinishFinal();
                }

                break;
            default:
                throw new InvalidOperationException($"unknown node kind {node.GetType().Name}");
        }
    }

    private void StartMenu(MenuNode menu, IReadOnlyList<string> before)
    {
        if (typeAhead.Count > 0)
        {
            var digit = typeAhead[0];
            typeAhead.RemoveAt(0);
            ChooseMenu(menu, digit);
            return;
        }

        Play([.. before, .. menu.Prompts], menu.BargeIn, loop: false);
        StartCollecting(1, 1, null, menu.Timeout);
        phase = Phase.MenuPrompt;
    }

    private void ChooseMenu(MenuNode menu, char digit)
    {
        CancelTimers(TimerKind.Step);
        if (menu.Options.TryGetValue(digit, out var target))
        {
            StopCollecting();
            path.Add(digit.ToString());
            Enter(target);
            return;
        }

        typeAhead.Clear();
        attempts++;
        if (attempts > menu.Retries)
        {
            StopCollecting();
            path.Add("invalid");
            Enter(menu.Invalid ?? menu.Default);
            return;
        }

        var retry = attempts;
        StartMenu(menu, menu.InvalidPrompts);
        attempts = retry;
    }

    private void StartCollect(CollectNode collect, IReadOnlyList<string> before)
    {
        digits.Clear();
        foreach (var digit in typeAhead)
        {
            digits.Add(digit);
        }

        typeAhead.Clear();
        phase = Phase.CollectPrompt;
        StartCollecting(collect.MinDigits, collect.MaxDigits, collect.Terminator, collect.Timeout, collect.InterDigitTimeout);
        if (digits.Count > 0)
        {
            var buffered = digits.ToArray();
            digits.Clear();
            phase = Phase.CollectWait;
            foreach (var digit in buffered)
            {
                if (node != collect || phase != Phase.CollectWait)
                {
                    return;
                }

                CollectDigit(collect, digit);
            }

            return;
        }

        Play([.. before, .. collect.Prompts], bargeIn: true, loop: false);
    }

    private void CollectDigit(CollectNode collect, char digit)
    {
        if (collect.Terminator == digit)
        {
            CompleteCollect(collect);
            return;
        }

        digits.Add(digit);
        if (digits.Count >= collect.MaxDigits)
        {
            CompleteCollect(collect);
            return;
        }

        CancelTimers(TimerKind.Step);
        StartTimer(TimerKind.Step, collect.InterDigitTimeout);
    }

    private void CompleteCollect(CollectNode collect)
    {
        CancelTimers(TimerKind.Step);
        if (digits.Count >= collect.MinDigits)
        {
            StopCollecting();
            variables[collect.Into] = new string(digits.ToArray());
            digits.Clear();
            Enter(collect.Next);
            return;
        }

        digits.Clear();
        attempts++;
        if (attempts > collect.Retries)
        {
            StopCollecting();
            Enter(collect.NoInput);
            return;
        }

        var retry = attempts;
        StartCollect(collect, collect.InvalidPrompts);
        attempts = retry;
    }

    private void StartIdentify(IdentifyNode identify)
    {
        if (identify.By == IdentifyBy.Ani)
        {
            if (callerResolved || string.IsNullOrWhiteSpace(ani) || ani.Equals("anonymous", StringComparison.OrdinalIgnoreCase))
            {
                Enter(caller is null ? identify.Unknown : identify.Known);
                return;
            }

            requestId = NextId();
            Emit(new LookUpCaller(requestId, ani, null));
        }
        else
        {
            var account = variables.GetValueOrDefault(identify.From ?? string.Empty);
            if (string.IsNullOrEmpty(account))
            {
                Enter(identify.Unknown);
                return;
            }

            requestId = NextId();
            Emit(new LookUpCaller(requestId, null, account));
        }

        StartTimer(TimerKind.Step, identify.Timeout);
        phase = Phase.LookingUpCaller;
    }

    private void OnCallerLookup(CallerLookupCompleted lookup)
    {
        if (lookup.RequestId is null)
        {
            // The CRM's own answer to CallReceived (by ANI): remember it; it ends an ANI lookup in progress.
            callerResolved = true;
            caller ??= lookup.Caller;
            if (phase == Phase.LookingUpCaller && node is IdentifyNode { By: IdentifyBy.Ani } pending)
            {
                CancelTimers(TimerKind.Step);
                requestId = 0;
                Enter(caller is null ? pending.Unknown : pending.Known);
            }

            return;
        }

        if (phase != Phase.LookingUpCaller || lookup.RequestId != requestId || node is not IdentifyNode identify)
        {
            return;
        }

        CancelTimers(TimerKind.Step);
        requestId = 0;
        if (identify.By == IdentifyBy.Ani)
        {
            callerResolved = true;
        }

        if (lookup.Caller is not null)
        {
            caller = lookup.Caller;
        }

        Enter(lookup.Caller is null ? identify.Unknown : identify.Known);
    }

    private void StartCaseLookup(CaseStatusNode status)
    {
        string? caseNumber = null;
        if (status.CaseNumberFrom is not null)
        {
            caseNumber = variables.GetValueOrDefault(status.CaseNumberFrom);
            if (string.IsNullOrEmpty(caseNumber))
            {
                Enter(status.NotFound);
                return;
            }
        }

        requestId = NextId();
        Emit(new LookUpCaseStatus(requestId, caller?.CustomerId, ani, caseNumber));
        StartTimer(TimerKind.Step, status.Timeout);
        phase = Phase.LookingUpCase;
    }

    private void OnCaseLookup(CaseStatusLookupCompleted lookup)
    {
        if (phase != Phase.LookingUpCase || lookup.RequestId != requestId || node is not CaseStatusNode status)
        {
            return;
        }

        CancelTimers(TimerKind.Step);
        requestId = 0;
        if (lookup.Case is null)
        {
            Enter(status.NotFound);
            return;
        }

        // "CS-000123" reads as "1 2 3": the digits without the number's zero padding.
        var readback = new List<string> { PromptNames.YourCase };
        var digitsOnly = new string(lookup.Case.CaseNumber.Where(char.IsAsciiDigit).ToArray()).TrimStart('0');
        PromptNames.AddDigits(readback, digitsOnly.Length == 0 ? "0" : digitsOnly);
        readback.Add(PromptNames.StatusIs);
        readback.Add(PromptNames.Status(lookup.Case.Status));
        Play(readback, bargeIn: true, loop: false);
        phase = Phase.ReadingBack;
    }

    private void ApplySet(SetNode set)
    {
        MergeSkills(set.Skills);
        priority = set.Priority ?? priority;
        language = set.Language ?? language;
    }

    private void MergeSkills(IReadOnlyList<SkillLevel> more)
    {
        foreach (var skill in more)
        {
            skills.RemoveAll(s => s.Skill == skill.Skill);
            skills.Add(skill);
        }
    }

    private void EnterQueue(QueueNode queueNode)
    {
        typeAhead.Clear();
        StopCollecting();
        MergeSkills(queueNode.Skills);
        priority = queueNode.Priority ?? priority;
        queue = queueNode.Queue;
        path.Add(queueNode.Queue);
        queuedAt = time.GetUtcNow();
        Emit(MakeQueueCall(isCallback: false));
        if (queueNode.AnnounceEvery is { } every)
        {
            StartTimer(TimerKind.Announce, every);
        }

        if (queueNode.CallbackAfter is { } after)
        {
            StartTimer(TimerKind.CallbackOffer, after);
        }

        if (Play(queueNode.Prompts, bargeIn: false, loop: false))
        {
            phase = Phase.QueueEntryPrompt;
        }
        else
        {
            PlayMusic(queueNode);
        }
    }

    private void StartVoicemail(VoicemailNode voicemail)
    {
        typeAhead.Clear();
        queue = voicemail.Queue;
        path.Add("voicemail");
        queuedAt = time.GetUtcNow();
        var greeting = new List<PromptFile>(voicemail.Prompts.Count);
        foreach (var name in voicemail.Prompts)
        {
            var resolved = name == PromptNames.CallerNamePlaceholder ? PromptNames.FirstName(caller?.Name) : name;
            if (resolved is not null && prompts.Contains(resolved))
            {
                greeting.Add(new PromptFile(resolved, prompts.PathOf(resolved)));
            }
        }

        Finish(stopMedia: true);
        Emit(new TakeVoicemail(MakeQueueCall(isCallback: true), greeting, voicemail.MaxLength));
    }

    private QueueCall MakeQueueCall(bool isCallback) => new()
    {
        Queue = queue!,
        Skills = skills.ToArray(),
        Priority = priority ?? 0,
        Language = language ?? caller?.Language,
        IvrPath = IvrPath,
        IsCallback = isCallback,
        CallbackNumber = isCallback ? ani : null,
        QueuedAt = queuedAt!.Value,
        CustomerId = caller?.CustomerId,
        Tier = caller?.Tier ?? CustomerTier.Standard,
        PreferredAgentId = caller?.PreferredAgentId,
    };

    private void PlayMusic(QueueNode queueNode)
    {
        Play([queueNode.Music], bargeIn: false, loop: true);
        playId = 0;
        phase = Phase.QueueMusic;
    }

    private void Announce()
    {
        if (position is null)
        {
            return;
        }

        var sentence = new List<string> { PromptNames.PositionIs };
        PromptNames.AddNumber(sentence, Math.Max(1, position.Position));
        sentence.Add(PromptNames.WaitIs);
        var minutes = (int)Math.Ceiling(position.EstimatedWait.TotalMinutes);
        if (position.EstimatedWait < TimeSpan.FromMinutes(1))
        {
            sentence.Add(PromptNames.LessThanAMinute);
        }
        else
        {
            PromptNames.AddNumber(sentence, minutes);
            sentence.Add(minutes == 1 ? PromptNames.Minute : PromptNames.Minutes);
        }

        Play(sentence, bargeIn: false, loop: false);
        phase = Phase.QueueAnnouncing;
    }

    private void OnDigit(char digit)
    {
        switch (phase)
        {
            case Phase.Playing when node is PlayNode { BargeIn: true } play:
                StopPlaying();
                AddTypeAhead(digit);
                Enter(play.Next);
                break;
            case Phase.LookingUpCaller:
            case Phase.LookingUpCase:
                // Keys pressed while a lookup runs are kept for the next menu or collect node (type-ahead).
                AddTypeAhead(digit);
                break;
            case Phase.MenuPrompt when node is MenuNode menu:
                if (!menu.BargeIn)
                {
                    break;
                }

                StopPlaying();
                ChooseMenu(menu, digit);
                break;
            case Phase.MenuWait when node is MenuNode menu:
                ChooseMenu(menu, digit);
                break;
            case Phase.CollectPrompt when node is CollectNode collect:
                StopPlaying();
                phase = Phase.CollectWait;
                CollectDigit(collect, digit);
                break;
            case Phase.CollectWait when node is CollectNode collect:
                CollectDigit(collect, digit);
                break;
            case Phase.ReadingBack when node is CaseStatusNode status:
                StopPlaying();
                Enter(status.Found);
                break;
            case Phase.CallbackPrompt or Phase.CallbackWait when node is CallbackNode callback:
                if (phase == Phase.CallbackPrompt)
                {
                    StopPlaying();
                }

                CancelTimers(TimerKind.Step);
                StopCollecting();
                if (digit == callback.AcceptDigit)
                {
                    AcceptStandaloneCallback(callback);
                }
                else
                {
                    Enter(callback.Declined);
                }

                break;
            case Phase.QueueCallbackPrompt or Phase.QueueCallbackWait when node is QueueNode queueNode:
                if (phase == Phase.QueueCallbackPrompt)
                {
                    StopPlaying();
                }

                CancelTimers(TimerKind.Step);
                StopCollecting();
                if (digit == queueNode.CallbackDigit)
                {
                    path.Add("callback");
                    CancelTimers(TimerKind.Announce);
                    Emit(MakeQueueCall(isCallback: true));
                    PlayConfirmThenHangUp(queueNode.CallbackConfirmPrompts);
                }
                else
                {
                    PlayMusic(queueNode);
                }

                break;
            default:
                break;
        }
    }

    private void AcceptStandaloneCallback(CallbackNode callback)
    {
        queue = callback.Queue;
        path.Add("callback");
        path.Add(callback.Queue);
        queuedAt = time.GetUtcNow();
        Emit(MakeQueueCall(isCallback: true));
        PlayConfirmThenHangUp(callback.ConfirmPrompts);
    }

    private void PlayConfirmThenHangUp(IReadOnlyList<string> confirm)
    {
        if (Play(confirm, bargeIn: false, loop: false))
        {
            phase = Phase.FinalPrompt;
        }
        else
        {
            Emit(new HangUp("callback-registered", CallOutcome.Callback));
            Finish(stopMedia: false);
        }
    }

    private void OnPromptFinished()
    {
        switch (phase)
        {
            case Phase.Playing when node is PlayNode play:
                Enter(play.Next);
                break;
            case Phase.MenuPrompt when node is MenuNode menu:
                phase = Phase.MenuWait;
                StartTimer(TimerKind.Step, menu.Timeout);
                break;
            case Phase.CollectPrompt when node is CollectNode collect:
                phase = Phase.CollectWait;
                StartTimer(TimerKind.Step, collect.Timeout);
                break;
            case Phase.ReadingBack when node is CaseStatusNode status:
                Enter(status.Found);
                break;
            case Phase.CallbackPrompt when node is CallbackNode callback:
                phase = Phase.CallbackWait;
                StartTimer(TimerKind.Step, callback.Timeout);
                break;
            case Phase.QueueEntryPrompt or Phase.QueueAnnouncing when node is QueueNode queueNode:
                PlayMusic(queueNode);
                break;
            case Phase.QueueCallbackPrompt:
                phase = Phase.QueueCallbackWait;
                StartTimer(TimerKind.Step, CallbackReplyTimeout);
                break;
            case Phase.FinalPrompt:
                FinishFinal();
                break;
            default:
                break;
        }
    }

    private void OnTimer(TimerKind kind)
    {
        switch (kind, phase)
        {
            case (TimerKind.Step, Phase.MenuWait) when node is MenuNode menu:
                attempts++;
                if (attempts > menu.Retries)
                {
                    StopCollecting();
                    path.Add("timeout");
                    Enter(menu.NoInput ?? menu.Default);
                    return;
                }

                var retry = attempts;
                StartMenu(menu, menu.NoInputPrompts);
                attempts = retry;
                break;
            case (TimerKind.Step, Phase.CollectWait) when node is CollectNode collect:
                CompleteCollect(collect);
                break;
            case (TimerKind.Step, Phase.LookingUpCaller) when node is IdentifyNode identify:
                requestId = 0;
                Enter(identify.Unknown);
                break;
            case (TimerKind.Step, Phase.LookingUpCase) when node is CaseStatusNode status:
                requestId = 0;
                Enter(status.NotFound);
                break;
            case (TimerKind.Step, Phase.CallbackWait) when node is CallbackNode callback:
                StopCollecting();
                Enter(callback.Declined);
                break;
            case (TimerKind.Step, Phase.QueueCallbackWait) when node is QueueNode queueNode:
                StopCollecting();
                PlayMusic(queueNode);
                break;
            case (TimerKind.Announce, _) when node is QueueNode queueNode:
                StartTimer(TimerKind.Announce, queueNode.AnnounceEvery!.Value);
                if (phase == Phase.QueueMusic)
                {
                    Announce();
                }

                break;
            case (TimerKind.CallbackOffer, _):
                OfferQueueCallback();
                break;
            default:
                break;
        }
    }

    private void OfferQueueCallback()
    {
        if (node is not QueueNode queueNode || callbackOffered || !IsQueued)
        {
            return;
        }

        if (phase != Phase.QueueMusic)
        {
            // Busy with an announcement or the entry prompts: offer a little later.
            CancelTimers(TimerKind.CallbackOffer);
            StartTimer(TimerKind.CallbackOffer, TimeSpan.FromSeconds(5));
            return;
        }

        if (Play(queueNode.CallbackPrompts, bargeIn: true, loop: false))
        {
            callbackOffered = true;
            CancelTimers(TimerKind.CallbackOffer);
            StartCollecting(1, 1, null, CallbackReplyTimeout);
            phase = Phase.QueueCallbackPrompt;
        }
    }

    private void FinishFinal()
    {
        switch (node)
        {
            case HangUpNode hangUp:
                Emit(new HangUp(hangUp.Reason, CallOutcome.SelfService));
                break;
            case TransferNode transfer:
                Emit(new TransferCall(transfer.Target));
                break;
            default:
                Emit(new HangUp("callback-registered", CallOutcome.Callback));
                break;
        }

        Finish(stopMedia: false);
    }

    private void Finish(bool stopMedia)
    {
        foreach (var id in timers.Keys.Order())
        {
            Emit(new CancelTimer(id));
        }

        timers.Clear();
        if (stopMedia && (playId != 0 || IsQueued))
        {
            Emit(new StopPlayback());
        }

        if (collecting)
        {
            StopCollecting();
        }

        playId = 0;
        phase = Phase.Done;
    }

    private bool Play(IReadOnlyList<string> names, bool bargeIn, bool loop)
    {
        var files = new List<PromptFile>(names.Count);
        foreach (var name in names)
        {
            var resolved = name == PromptNames.CallerNamePlaceholder ? PromptNames.FirstName(caller?.Name) : name;
            if (resolved is not null && prompts.Contains(resolved))
            {
                files.Add(new PromptFile(resolved, prompts.PathOf(resolved)));
            }
        }

        if (files.Count == 0)
        {
            return false;
        }

        playId = NextId();
        Emit(new PlayPrompts(playId, files, bargeIn, loop));
        return true;
    }

    private void StopPlaying()
    {
        playId = 0;
        Emit(new StopPlayback());
    }

    private void StartCollecting(int min, int max, char? terminator, TimeSpan timeout, TimeSpan? interDigit = null)
    {
        if (!collecting)
        {
            collecting = true;
            Emit(new StartDigitCollection(min, max, terminator, timeout, interDigit ?? timeout));
        }
    }

    private void StopCollecting()
    {
        if (collecting)
        {
            collecting = false;
            Emit(new StopDigitCollection());
        }
    }

    private void AddTypeAhead(char digit)
    {
        if (typeAhead.Count < TypeAheadLimit)
        {
            typeAhead.Add(digit);
        }
    }

    private void StartTimer(TimerKind kind, TimeSpan delay)
    {
        var id = NextId();
        timers[id] = kind;
        Emit(new StartTimer(id, delay));
    }

    private void CancelTimers(TimerKind kind)
    {
        foreach (var (id, k) in timers.ToArray())
        {
            if (k == kind)
            {
                timers.Remove(id);
                Emit(new CancelTimer(id));
            }
        }
    }

    private long NextId() => ++nextId;

    private void Emit(IvrAction action) => actions.Add(action);
}
