using ContactCenter.Contracts;
using ContactCenter.Desktop.State;
using MassTransit;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Desktop.Hubs;

/// <summary>
/// <c>/hubs/agent</c>: one agent's desktop. Each connection joins its agent's group (from the
/// <c>sub</c> claim) and gets the agent's state, current call and pop again on connect.
/// </summary>
internal sealed class AgentHub(
    DesktopState desktop,
    IPublishEndpoint publish,
    IRequestClient<CheckOutboundNumber> outboundCheck,
    TimeProvider time,
    IHubContext<BoardHub, IBoardClient> board,
    ILogger<AgentHub> logger) : Hub<IAgentClient>
{
    internal const int MaxReasonLength = 100;
    internal const int MaxDispositionLength = 64;
    internal const int MaxNotesLength = 4000;

    public override async Task OnConnectedAsync()
    {
        var agentId = RequireAgentId();
        await Groups.AddToGroupAsync(Context.ConnectionId, HubGroups.Agent(agentId));
        var (agentState, call, pop, boardRow, work) = desktop.Connect(agentId, AgentIdentity.DisplayName(Context.User));
        if (agentState is not null)
        {
            await Clients.Caller.AgentStateChanged(agentState);
        }

        if (call is not null)
        {
            await Clients.Caller.CallStateChanged(call);
        }

        if (pop is not null)
        {
            await Clients.Caller.ScreenPop(pop);
        }

        foreach (var item in work)
        {
            await Clients.Caller.WorkItemChanged(item);
        }

        await board.Clients.All.AgentStates([boardRow]);
        logger.LogInformation("Desktop connected for {AgentId} (resent: state {HasState}, call {HasCall}, pop {HasPop})",
            agentId, agentState is not null, call is not null, pop is not null);
        await base.OnConnectedAsync();
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        if (AgentIdentity.AgentId(Context.User) is { } agentId && desktop.Disconnect(agentId) is { } row)
        {
            await board.Clients.All.AgentStates([row]);
        }

        await base.OnDisconnectedAsync(exception);
    }

    /// <summary>The agent asks for Available, NotReady (with a reason) or LoggedOut; routing decides and answers with AgentStateChanged.</summary>
    public async Task SetState(AgentState state, string? reason)
    {
        var agentId = RequireAgentId();
        var command = StateCommands.Create(agentId, state, reason, agentId, time);
        await publish.Publish(command, Context.ConnectionAborted);
        logger.LogInformation("{AgentId} asked for {State} ({Reason})", agentId, command.State, command.Reason);
    }

    /// <summary>The agent finished after-call work.</summary>
    public Task CompleteWrapUp(Guid callId, string disposition, string? notes) =>
        CompleteWrapUpWithCase(callId, disposition, notes, null);

    /// <summary>The agent finished after-call work and linked the call to a service case.</summary>
    public async Task CompleteWrapUpWithCase(Guid callId, string disposition, string? notes, Guid? caseId)
    {
        var agentId = RequireAgentId();
        if (callId == Guid.Empty)
        {
            throw new HubException("callId is required.");
        }

        disposition = disposition?.Trim() ?? "";
        if (disposition.Length == 0 || disposition.Length > MaxDispositionLength)
        {
            throw new HubException($"disposition is required and at most {MaxDispositionLength} characters.");
        }

        notes = string.IsNullOrWhiteSpace(notes) ? null : notes.Trim();
        if (notes is { Length: > MaxNotesLength })
        {
            throw new HubException($"notes are at most {MaxNotesLength} characters.");
        }

        if (desktop.IsAnotherAgentsCall(agentId, callId))
        {
            throw new HubException("That call belongs to another agent.");
        }

        await publish.Publish(new ContactCenter.Contracts.CompleteWrapUp
        {
            CallId = callId,
            AgentId = agentId,
            Disposition = disposition,
            Notes = notes,
            CaseId = caseId == Guid.Empty ? null : caseId,
            OccurredAt = time.GetUtcNow(),
        }, Context.ConnectionAborted);

        if (desktop.OnWrapUpCompleted(agentId, callId) is { } ended)
        {
            await Clients.Group(HubGroups.Agent(agentId)).CallStateChanged(ended);
        }

        if (desktop.OnWorkCompleted(agentId, callId) is { } done)
        {
            await Clients.Group(HubGroups.Agent(agentId)).WorkItemChanged(done);
        }
    }

    /// <summary>The agent accepts an offer on their desktop (a voicemail, a preview callback); routing answers with OfferAccepted.</summary>
    public Task AcceptOffer(Guid callId) => AnswerOfferAsync(callId, accept: true);

    /// <summary>The agent skips an offer: routing gives it to the next agent and treats the agent like one who missed a ring.</summary>
    public Task SkipOffer(Guid callId) => AnswerOfferAsync(callId, accept: false);

    private async Task AnswerOfferAsync(Guid callId, bool accept)
    {
        var agentId = RequireAgentId();
        if (desktop.Work(agentId, callId) is not { Phase: WorkPhase.Offered })
        {
            throw new HubException("That offer is no longer yours (it was withdrawn or already answered).");
        }

        var now = time.GetUtcNow();
        if (accept)
        {
            await publish.Publish(new ContactCenter.Contracts.AcceptOffer { CallId = callId, AgentId = agentId, OccurredAt = now }, Context.ConnectionAborted);
        }
        else
        {
            await publish.Publish(new DeclineOffer { CallId = callId, AgentId = agentId, Reason = null, OccurredAt = now }, Context.ConnectionAborted);
        }

        logger.LogInformation("{AgentId} {Answer} offer {CallId}", agentId, accept ? "accepted" : "skipped", callId);
    }

    /// <summary>
    /// The agent calls the customer back from a voicemail they work on: the number of the message's caller, as click to dial
    /// (the CRM's do-not-call applies), linked to the voicemail in the history; afterwards the agent is back on the voicemail.
    /// </summary>
    public async Task<DialResult> CallBack(Guid callId)
    {
        var agentId = RequireAgentId();
        if (desktop.Work(agentId, callId) is not { Phase: WorkPhase.Working } work || work.Caller is not { } number)
        {
            throw new HubException("Accept the voicemail before calling back.");
        }

        return await DialAsync(agentId, number, work.Pop?.Customer?.Id, callId);
    }

    /// <summary>
    /// The agent dials a number (click to dial), always as themselves: the number must be one a trunk can dial (digits with an
    /// optional leading +), the agent Available or NotReady with no call, and the CRM (which owns DoNotCall) must allow it.
    /// Then routing gets <see cref="PlaceOutboundCall"/>: it keeps the agent busy for the call and has a gateway ring the agent's
    /// phone, then the number. A refusal here comes back in the result; routing's own refusal comes as OutboundCallRefused.
    /// </summary>
    public Task<DialResult> Dial(string number, Guid? customerId) => DialAsync(RequireAgentId(), number, customerId, null);

    private async Task<DialResult> DialAsync(string agentId, string number, Guid? customerId, Guid? workItemId)
    {
        var normalised = DialNumber.Normalise(number)
            ?? throw new HubException($"'{number}' is not a number that can be dialled: use digits with an optional leading +.");
        customerId = customerId == Guid.Empty ? null : customerId;
        var callId = NewId.NextGuid();
        OutboundNumberChecked? check = null;
        if (desktop.DialRefusal(agentId, workItemId) is { } busy)
        {
            return Refused(busy);
        }

        try
        {
            var response = await outboundCheck.GetResponse<OutboundNumberChecked>(new CheckOutboundNumber
            {
                CallId = callId,
                AgentId = agentId,
                Number = normalised,
                CustomerId = customerId,
                OccurredAt = time.GetUtcNow(),
            }, Context.ConnectionAborted, RequestTimeout.After(s: 5));
            check = response.Message;
        }
        catch (RequestTimeoutException)
        {
            return Refused("the CRM did not answer in time: try again");
        }

        if (!check.Allowed)
        {
            return Refused(check.Reason ?? "the CRM refused the number");
        }

        if (desktop.OnDialling(agentId, callId, normalised, check.CustomerName, workItemId) is not { } call)
        {
            return Refused("you are already on a call");
        }

        await publish.Publish(new PlaceOutboundCall
        {
            CallId = callId,
            AgentId = agentId,
            Number = normalised,
            CustomerId = customerId ?? check.CustomerId,
            WorkItemId = workItemId,
            OccurredAt = time.GetUtcNow(),
        }, Context.ConnectionAborted);
        await Clients.Group(HubGroups.Agent(agentId)).CallStateChanged(call);
        if (workItemId is { } item && desktop.Work(agentId, item) is { } calledBack)
        {
            await Clients.Group(HubGroups.Agent(agentId)).WorkItemChanged(calledBack);
        }

        logger.LogInformation("{AgentId} dials {Number} (call {CallId})", agentId, normalised, callId);
        return new DialResult(callId, true, null, normalised, check.CustomerName, customerId ?? check.CustomerId);

        DialResult Refused(string reason)
        {
            logger.LogInformation("{AgentId} may not dial {Number}: {Reason}", agentId, normalised, reason);
            return new DialResult(callId, false, reason, normalised, check?.CustomerName, check?.CustomerId);
        }
    }

    private string RequireAgentId() =>
        AgentIdentity.AgentId(Context.User) ?? throw new HubException("The token has no 'sub' claim.");
}
