using ContactCenter.Contracts;
using MassTransit.Testing;

namespace ContactCenter.Routing.Tests.Service;

/// <summary>
/// The routing service with offers: a voicemail (a work item) and a preview callback are offered (AgentReserved with Offer, no
/// ConnectCallToAgent), accepted over the bus, and a voicemail waiting or being worked survives a restart of routing.
/// </summary>
public class OfferServiceTests
{
    private static CallQueued Voicemail(Guid id, DateTimeOffset now) => new()
    {
        CallId = id, Queue = "billing", Caller = "+442079460018", GatewayId = "gw-a", IvrPath = "main>3>billing>voicemail",
        CallbackOf = Guid.NewGuid(), CallbackNumber = "+442079460018", VoicemailPath = $"20261207-{id:N}.wav", VoicemailLength = TimeSpan.FromSeconds(9),
        QueuedAt = now.AddMinutes(-15), OccurredAt = now,
    };

    [Fact]
    public async Task A_voicemail_is_offered_accepted_and_with_another_waiting_survives_a_restart_of_routing()
    {
        var folder = Path.Combine(Path.GetTempPath(), "routing-tests-" + Guid.NewGuid().ToString("N"));
        var worked = Guid.NewGuid();
        var waiting = Guid.NewGuid();
        // The first process lives in its own async flow (MassTransit keeps its log context in an AsyncLocal).
        await Task.Run(async () =>
        {
            await using (var f = await RoutingServiceFixture.StartAsync(folder))
            {
                var now = TimeProvider.System.GetUtcNow();
                await f.Publish(new SetAgentState { AgentId = "carol", State = AgentState.Available, RequestedBy = "carol", OccurredAt = now });
                await f.Until(e => e.Agent("carol")!.State == AgentState.Available);

                await f.Publish(Voicemail(worked, now));
                Assert.True(await f.Harness.Published.Any<AgentReserved>(m =>
                    m.Context.Message.CallId == worked && m.Context.Message.AgentId == "carol" && m.Context.Message.Offer == OfferKind.Voicemail
                    && m.Context.Message.OfferExpiresAt == m.Context.Message.OccurredAt.AddSeconds(30)));
                await f.Until(e => e.Agent("carol")!.State == AgentState.Reserved);
                await f.Publish(new AcceptOffer { CallId = worked, AgentId = "carol", OccurredAt = now });
                Assert.True(await f.Harness.Published.Any<OfferAccepted>(m => m.Context.Message.CallId == worked && m.Context.Message.Offer == OfferKind.Voicemail));
                await f.Until(e => e.Agent("carol")!.State == AgentState.OnCall);

                await f.Publish(Voicemail(waiting, now));
                await f.Until(e => e.WaitingWorkItems == 1);
            }
        });

        // Routing restarts: the journal gives back the voicemail carol works on and the one waiting.
        await using (var f = await RoutingServiceFixture.StartAsync(folder, withDirectory: false))
        {
            try
            {
                await f.Until(e => e.Agent("carol") is { State: AgentState.OnCall } carol && carol.CallId == worked && e.WaitingWorkItems == 1);
                var board = await f.Actor.Query(e => e.QueueSnapshots().Single(q => q.Queue == "billing"));
                Assert.Equal(waiting, Assert.Single(board.WorkItems).CallId);
                Assert.Empty(board.Waiting);

                await f.Publish(new CompleteWrapUp { CallId = worked, AgentId = "carol", Disposition = "resolved", OccurredAt = TimeProvider.System.GetUtcNow() });
                Assert.True(await f.Harness.Published.Any<AgentReserved>(m => m.Context.Message.CallId == waiting && m.Context.Message.AgentId == "carol"));
                await f.Until(e => e.Agent("carol")!.CallId == waiting && e.WaitingWorkItems == 0);
                // A work item has no phone leg: the gateway is never asked to ring anyone for it.
                Assert.False(await f.Harness.Sent.Any<ConnectCallToAgent>(m => m.Context.Message.CallId == worked || m.Context.Message.CallId == waiting));
            }
            finally
            {
                f.DeleteFolder();
            }
        }
    }

    [Fact]
    public async Task A_preview_callback_is_offered_and_connected_at_the_gateway_only_once_accepted()
    {
        var folder = Path.Combine(Path.GetTempPath(), "routing-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var queues = Path.Combine(folder, "queues.yaml");
        var text = await File.ReadAllTextAsync(RoutingServiceFixture.QueuesFile());
        await File.WriteAllTextAsync(queues, text.Replace("    # callback: { mode: preview, previewSeconds: 30 }", "    callback: { mode: preview, previewSeconds: 20 }", StringComparison.Ordinal));
        await using var f = await RoutingServiceFixture.StartAsync(folder, settings: new Dictionary<string, string?> { ["Routing:QueuesFile"] = queues });
        try
        {
            var now = TimeProvider.System.GetUtcNow();
            await f.Publish(new SetAgentState { AgentId = "bob", State = AgentState.Available, RequestedBy = "bob", OccurredAt = now });
            await f.Until(e => e.Agent("bob")!.State == AgentState.Available);
            var id = Guid.NewGuid();
            await f.Publish(new CallQueued
            {
                CallId = id, Queue = "support", Caller = "+442079460018", GatewayId = "gw-a", IvrPath = "main>2>support>callback", IsCallback = true,
                CallbackNumber = "+442079460018", QueuedAt = now.AddMinutes(-2), OccurredAt = now,
            });
            Assert.True(await f.Harness.Published.Any<AgentReserved>(m => m.Context.Message.CallId == id && m.Context.Message.Offer == OfferKind.PreviewCallback));
            await f.Until(e => e.Agent("bob")!.State == AgentState.Reserved);

            await f.Publish(new AcceptOffer { CallId = id, AgentId = "bob", OccurredAt = now });
            Assert.True(await f.Harness.Published.Any<OfferAccepted>(m => m.Context.Message.CallId == id && m.Context.Message.Offer == OfferKind.PreviewCallback));
            Assert.True(await f.Harness.Sent.Any<ConnectCallToAgent>(m =>
                m.Context.Message.CallId == id && m.Context.Message.AgentId == "bob" && m.Context.Message.IsCallback && m.Context.Message.Caller == "+442079460018"
                && m.Context.DestinationAddress!.AbsolutePath.EndsWith("telephony-gw-a", StringComparison.Ordinal)));
            // Sent once, when the agent accepted (stamped with the acceptance's time), never at the reservation.
            var accepted = f.Harness.Published.Select<OfferAccepted>().Single(m => m.Context.Message.CallId == id).Context.Message;
            var reserved = f.Harness.Published.Select<AgentReserved>().Single(m => m.Context.Message.CallId == id).Context.Message;
            var connect = Assert.Single(f.Harness.Sent.Select<ConnectCallToAgent>(), m => m.Context.Message.CallId == id).Context.Message;
            Assert.Equal(accepted.OccurredAt, connect.OccurredAt);
            Assert.True(connect.OccurredAt > reserved.OccurredAt, $"connected at {connect.OccurredAt:O}, reserved at {reserved.OccurredAt:O}");
        }
        finally
        {
            f.DeleteFolder();
        }
    }
}
