using System.Reflection;
using System.Text.Json;
using ContactCenter.Contracts;

namespace ContactCenter.Contracts.Tests;

/// <summary>
/// DESIGN.md: every bus message carries the CallId (or AgentId) it is about and the time it
/// happened, and survives the bus's JSON serialization unchanged.
/// </summary>
public sealed class MessageConventionTests
{
    private static readonly Type[] Messages = typeof(CallReceived).Assembly.GetExportedTypes()
        .Where(t => t is { IsClass: true, IsAbstract: false } && t.GetProperty("OccurredAt") is not null)
        .OrderBy(t => t.Name, StringComparer.Ordinal)
        .ToArray();

    public static TheoryData<string> MessageNames()
    {
        var data = new TheoryData<string>();
        foreach (var type in Messages)
        {
            data.Add(type.Name);
        }

        return data;
    }

    [Fact]
    public void The_call_flow_messages_of_the_design_exist()
    {
        string[] expected =
        [
            "CallReceived", "CallerIdentified", "CallQueued", "AgentReserved", "ConnectCallToAgent",
            "CallConnected", "CallEnded", "AgentStateChanged", "SetAgentState", "CompleteWrapUp",
            "QueueStatistics", "ScreenPopReady",
        ];
        var names = Messages.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        Assert.All(expected, name => Assert.Contains(name, names));
    }

    [Theory]
    [MemberData(nameof(MessageNames))]
    public void Message_is_a_sealed_record_with_its_subject_and_time(string name)
    {
        var type = Messages.Single(t => t.Name == name);
        Assert.True(type.IsSealed, $"{name} should be sealed");
        Assert.NotNull(type.GetMethod("<Clone>$"));
        Assert.Equal(typeof(DateTimeOffset), type.GetProperty("OccurredAt")!.PropertyType);

        // The directory-wide request/response (all agent profiles at routing's start) is about no one subject.
        var subjects = new[] { "CallId", "AgentId", "Queue", "GatewayId", "Login" };
        if (name is not ("GetAgentProfiles" or "AgentProfiles"))
        {
            Assert.Contains(type.GetProperties(BindingFlags.Public | BindingFlags.Instance), p => subjects.Contains(p.Name));
        }

        Assert.All(type.GetProperties(), p => Assert.True(p.SetMethod is null || p.SetMethod.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(System.Runtime.CompilerServices.IsExternalInit)), $"{name}.{p.Name} must be init-only"));
    }

    [Fact]
    public void The_offer_messages_are_imperative_commands_and_past_tense_events_that_round_trip()
    {
        var names = Messages.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        Assert.All(["AcceptOffer", "DeclineOffer", "OfferAccepted", "OfferWithdrawn"], name => Assert.Contains(name, names));

        var when = new DateTimeOffset(2026, 12, 7, 9, 30, 0, TimeSpan.Zero);
        var withdrawn = new OfferWithdrawn { CallId = Guid.NewGuid(), AgentId = "carol", Queue = "billing", Offer = OfferKind.Voicemail, Reason = "skipped", OccurredAt = when };
        var back = JsonSerializer.Deserialize<OfferWithdrawn>(JsonSerializer.Serialize(withdrawn, JsonSerializerOptions.Web), JsonSerializerOptions.Web)!;
        Assert.Equal(withdrawn, back);
        var reserved = new AgentReserved
        {
            CallId = Guid.NewGuid(), AgentId = "carol", Queue = "billing", Caller = "+442079460018", IvrPath = "main>3>billing", Waited = TimeSpan.FromMinutes(15),
            Reason = "work item", Offer = OfferKind.PreviewCallback, OfferExpiresAt = when.AddSeconds(30), OccurredAt = when,
        };
        Assert.Equal(reserved, JsonSerializer.Deserialize<AgentReserved>(JsonSerializer.Serialize(reserved, JsonSerializerOptions.Web), JsonSerializerOptions.Web));
        // A message from before offers existed reads as "no offer": the agent's phone rings at once.
        Assert.Equal(OfferKind.None, JsonSerializer.Deserialize<AgentReserved>(
            """{"callId":"4b1f0000-0000-0000-0000-000000000001","agentId":"a","queue":"q","caller":"1","ivrPath":"","waited":"00:00:01","reason":"r","occurredAt":"2026-12-07T09:30:00+00:00"}""",
            JsonSerializerOptions.Web)!.Offer);
    }

    [Fact]
    public void Messages_round_trip_through_the_bus_json_serializer()
    {
        var when = new DateTimeOffset(2026, 11, 23, 9, 30, 0, TimeSpan.Zero);
        var queued = new CallQueued
        {
            CallId = Guid.NewGuid(),
            Queue = "support",
            Caller = "+442079460018",
            GatewayId = "gw-1",
            IvrPath = "main>2>support",
            Skills = [new SkillLevel { Skill = "lang-en", Level = 2 }],
            Priority = 3,
            Tier = CustomerTier.Gold,
            QueuedAt = when,
            OccurredAt = when,
        };
        var stats = new QueueStatistics
        {
            Queue = "support",
            Waiting = 2,
            LongestWait = TimeSpan.FromSeconds(42),
            Offered = 10,
            Answered = 7,
            Abandoned = 1,
            ServiceLevel = 0.8,
            AverageSpeedOfAnswer = TimeSpan.FromSeconds(12),
            AverageHandleTime = TimeSpan.FromMinutes(4),
            AbandonmentRate = 0.1,
            Occupancy = 0.75,
            EstimatedWait = TimeSpan.FromSeconds(30),
            AgentsByState = new Dictionary<AgentState, int> { [AgentState.Available] = 1, [AgentState.OnCall] = 2 },
            AnsweredWithinTarget = 6,
            TotalAnswerWait = TimeSpan.FromSeconds(84),
            StaffedTime = TimeSpan.FromMinutes(45),
            OccurredAt = when,
        };

        var queuedBack = JsonSerializer.Deserialize<CallQueued>(JsonSerializer.Serialize(queued, JsonSerializerOptions.Web), JsonSerializerOptions.Web)!;
        var statsBack = JsonSerializer.Deserialize<QueueStatistics>(JsonSerializer.Serialize(stats, JsonSerializerOptions.Web), JsonSerializerOptions.Web)!;

        Assert.Equal(queued.CallId, queuedBack.CallId);
        Assert.Equal("main>2>support", queuedBack.IvrPath);
        Assert.Equal(2, Assert.Single(queuedBack.Skills).Level);
        Assert.Equal(CustomerTier.Gold, queuedBack.Tier);
        Assert.Equal(when, queuedBack.QueuedAt);
        Assert.Equal(2, statsBack.AgentsByState[AgentState.OnCall]);
        Assert.Equal(TimeSpan.FromSeconds(42), statsBack.LongestWait);
        Assert.Equal(6, statsBack.AnsweredWithinTarget);
        Assert.Equal(TimeSpan.FromSeconds(84), statsBack.TotalAnswerWait);
        Assert.Equal(TimeSpan.FromMinutes(45), statsBack.StaffedTime);
    }
}
