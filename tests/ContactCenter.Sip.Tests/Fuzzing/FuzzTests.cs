using ContactCenter.Sip.Fuzzing;
using ContactCenter.Sip.Tests.Corpus;

namespace ContactCenter.Sip.Tests.Fuzzing;

public class FuzzTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Mutated_corpus_messages_always_yield_a_message_or_a_parse_error(int seed)
    {
        var fuzzer = new SipMutationFuzzer(SipMutationFuzzer.LoadSeeds(CorpusFiles.Root), seed);
        fuzzer.Run(15_000);
        Assert.Equal(15_000, fuzzer.Inputs);
        Assert.True(fuzzer.Parsed > 100, $"only {fuzzer.Parsed} inputs parsed: mutations too destructive to be useful");
        Assert.True(fuzzer.Rejected > 100, $"only {fuzzer.Rejected} inputs rejected");
    }

    [Fact]
    public async Task Mutated_datagrams_sent_to_a_running_stack_leave_it_answering()
    {
        await using var ep = TestSupport.StartEndpoint(o => o.RateLimitPerSecond = 0);
        ep.IncomingCallHandler = c =>
        {
            c.Reject(486);
            return Task.CompletedTask;
        };
        var fuzzer = new SipMutationFuzzer(SipMutationFuzzer.LoadSeeds(CorpusFiles.Root), 42);
        using var peer = new TestSupport.UdpPeer();
        for (var i = 0; i < 2_000; i++)
        {
            await peer.SendAsync(fuzzer.Mutate(File.ReadAllBytes(Path.Combine(CorpusFiles.Root, "rfc4475", i % 2 == 0 ? "wsinv.dat" : "esc01.dat"))), ep.UdpEndPoint!);
        }
        // A fresh socket for the liveness probe: the flood's own responses (and their retransmissions)
        // can fill the first socket's receive buffer.
        using var probe = new TestSupport.UdpPeer();
        var peerPort = probe.LocalEndPoint.Port;
        await probe.SendAsync(
            $"OPTIONS sip:a@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{peerPort};branch=z9hG4bKalive\r\nFrom: <sip:f@x>;tag=1\r\nTo: <sip:a@x>\r\nCall-ID: alive\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
            ep.UdpEndPoint!);
        SipResponseProbe? found = null;
        var start = TimeProvider.System.GetTimestamp();
        while (found is null && TimeProvider.System.GetElapsedTime(start) < TimeSpan.FromSeconds(15))
        {
            var m = await probe.ReceiveAsync(TimeSpan.FromSeconds(2));
            if (m is ContactCenter.Sip.Message.SipResponse { CallId: "alive" } r)
            {
                found = new SipResponseProbe(r.StatusCode);
            }
        }
        Assert.Equal(200, found?.StatusCode);
    }

    private sealed record SipResponseProbe(int StatusCode);
}
