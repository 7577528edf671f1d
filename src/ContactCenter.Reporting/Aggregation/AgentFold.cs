using ContactCenter.Contracts;
using ContactCenter.Reporting.Data;

namespace ContactCenter.Reporting.Aggregation;

/// <summary>
/// An agent's presence as intervals (<see cref="ReportAgentState"/>): each <c>AgentStateChanged</c> starts a state that lasts until
/// the agent's next change. The time of each interval is split over the 15-minute intervals it spans. The current state (no
/// end yet) counts up to the reports' <c>AsOf</c>, which the agent-time tick moves forward every few seconds; a rebuild uses the
/// same <c>AsOf</c>, so it reproduces the live figures exactly.
/// </summary>
internal static class AgentFold
{
    /// <summary>
    /// The intervals from an agent's state changes, in time order. Changes at one instant (routing frees an agent from wrap-up
    /// and reserves it for the next call in the same step) are put in the order their <c>Previous</c> states chain (available
    /// after wrap-up, then reserved after available); only the last of them lasts.
    /// </summary>
    /// <param name="agentId">The agent.</param>
    /// <param name="changes">Its changes (other events are ignored).</param>
    /// <param name="before">The agent's state before the first of them (a re-fold from the middle of its history), if any.</param>
    public static List<ReportAgentState> Intervals(string agentId, IReadOnlyList<ReportEvent> changes, int? before = null)
    {
        var ordered = changes.Where(e => e.Kind == RecordKind.AgentStateChanged).ToList();
        ordered.Sort(CallFold.Compare);
        var rows = new List<ReportAgentState>(ordered.Count);
        for (var i = 0; i < ordered.Count;)
        {
            var j = i + 1;
            while (j < ordered.Count && ordered[j].At == ordered[i].At)
            {
                j++;
            }
            var last = j - i == 1 ? ordered[i] : LastOfChain(ordered.GetRange(i, j - i), rows.Count > 0 ? rows[^1].State : before);
            if (rows.Count > 0)
            {
                rows[^1].EndAt = last.At;
            }
            rows.Add(new ReportAgentState { AgentId = agentId, StartAt = last.At, State = last.Code, Reason = last.Text, CallId = last.CallId });
            i = j;
        }
        return rows;
    }

    /// <summary>The change that ends a chain of changes at one instant: each next one is the change whose previous state is the current one.</summary>
    private static ReportEvent LastOfChain(List<ReportEvent> group, int? before)
    {
        var current = before;
        ReportEvent? last = null;
        while (group.Count > 0)
        {
            var next = group.FindIndex(e => e.Code2 == current);
            var e = group[next >= 0 ? next : 0];
            group.Remove(e);
            current = e.Code;
            last = e;
        }
        return last!;
    }

    /// <summary>What an interval adds to the agent's aggregates, counting an open one up to <paramref name="asOf"/>.</summary>
    public static void Contribute(ReportAgentState row, long asOf, List<Contribution> into) =>
        Split(row.AgentId, (AgentState)row.State, row.StartAt, row.EndAt ?? Math.Max(row.StartAt, asOf), into);

    /// <summary>Adds the time from <paramref name="from"/> to <paramref name="to"/> in <paramref name="state"/>, interval by interval.</summary>
    public static void Split(string agentId, AgentState state, long from, long to, List<Contribution> into)
    {
        AgentCounter counter;
        switch (state)
        {
            case AgentState.Available:
                counter = AgentCounter.AvailableTicks;
                break;
            case AgentState.Reserved:
                counter = AgentCounter.ReservedTicks;
                break;
            case AgentState.OnCall:
                counter = AgentCounter.OnCallTicks;
                break;
            case AgentState.WrapUp:
                counter = AgentCounter.WrapUpStateTicks;
                break;
            case AgentState.NotReady:
                counter = AgentCounter.NotReadyTicks;
                break;
            case AgentState.LoggedOut:
                return;
            default:
                return;
        }
        for (var start = Buckets.Floor(from); start < to; start += Buckets.Size)
        {
            var part = Math.Min(to, start + Buckets.Size) - Math.Max(from, start);
            if (part > 0)
            {
                into.Add(new Contribution(Subject.Agent, agentId, start, (int)counter, part));
            }
        }
    }
}
