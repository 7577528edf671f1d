using ContactCenter.Sip.Message;

namespace ContactCenter.Sip.Tests.Corpus;

/// <summary>Every corpus message sent over a real UDP socket to a running endpoint; the response code is asserted.</summary>
public class CorpusUdpTests
{
    /// <summary>Expected final response per file (null: the stack must stay silent, e.g. for responses).</summary>
    private static readonly Dictionary<string, int?> Expected = new()
    {
        ["rfc4475/wsinv.dat"] = 481, // To has a tag but no such dialog exists: processed normally as in-dialog
        ["rfc4475/intmeth.dat"] = 501,
        ["rfc4475/esc01.dat"] = 486, // application answers every INVITE 486 in this test
        ["rfc4475/escnull.dat"] = 200,
        ["rfc4475/esc02.dat"] = 501,
        ["rfc4475/lwsdisp.dat"] = 200,
        ["rfc4475/longreq.dat"] = 486,
        ["rfc4475/dblreq.dat"] = 200,
        ["rfc4475/semiuri.dat"] = 200,
        ["rfc4475/transports.dat"] = 200,
        ["rfc4475/mpart01.dat"] = 405,
        ["rfc4475/unreason.dat"] = null,
        ["rfc4475/noreason.dat"] = null,
        ["rfc4475/badinv01.dat"] = 400,
        ["rfc4475/clerr.dat"] = 400,
        ["rfc4475/ncl.dat"] = 400,
        ["rfc4475/scalar02.dat"] = 400,
        ["rfc4475/scalarlg.dat"] = null,
        ["rfc4475/quotbal.dat"] = 400,
        ["rfc4475/ltgtruri.dat"] = 400,
        ["rfc4475/lwsruri.dat"] = 400,
        ["rfc4475/lwsstart.dat"] = 400,
        ["rfc4475/trws.dat"] = 400,
        ["rfc4475/escruri.dat"] = 400,
        ["rfc4475/baddate.dat"] = 400,
        ["rfc4475/regbadct.dat"] = 400,
        ["rfc4475/badaspec.dat"] = 400,
        ["rfc4475/baddn.dat"] = 400,
        ["rfc4475/badvers.dat"] = 505,
        ["rfc4475/mismatch01.dat"] = 400,
        ["rfc4475/mismatch02.dat"] = 501,
        ["rfc4475/bigcode.dat"] = null,
        ["rfc4475/badbranch.dat"] = 400,
        ["rfc4475/insuf.dat"] = 400,
        ["rfc4475/unkscm.dat"] = 416,
        ["rfc4475/novelsc.dat"] = 416,
        ["rfc4475/unksm2.dat"] = 400,
        ["rfc4475/bext01.dat"] = 420,
        ["rfc4475/invut.dat"] = 415,
        ["rfc4475/regaut01.dat"] = 200, // registrar without authentication ignores the unknown scheme
        ["rfc4475/multi01.dat"] = 400,
        ["rfc4475/mcl01.dat"] = 400,
        ["rfc4475/bcast.dat"] = null,
        ["rfc4475/zeromf.dat"] = 200,
        ["rfc4475/cparam01.dat"] = 200,
        ["rfc4475/cparam02.dat"] = 200,
        ["rfc4475/regescrt.dat"] = 200,
        ["rfc4475/sdp01.dat"] = 406,
        ["rfc4475/inv2543.dat"] = 486,
        ["rfc4475/test.dat"] = null, // no Via: no response can be routed; dropped
        ["rfc5118/ipv6-good"] = 200,
        ["rfc5118/ipv6-bad"] = 400,
        ["rfc5118/port-ambiguous"] = 200,
        ["rfc5118/port-unambiguous"] = 200,
        ["rfc5118/via-received-param-with-delim"] = 481,
        ["rfc5118/via-received-param-no-delim"] = 200,
        ["rfc5118/ipv6-in-sdp"] = 486,
        ["rfc5118/mult-ip-in-header"] = 481,
        ["rfc5118/mult-ip-in-sdp"] = 486,
        ["rfc5118/ipv4-mapped-ipv6"] = 486,
        ["rfc5118/ipv6-bug-abnf-3-colons"] = 200,
        ["rfc5118/ipv6-correct-abnf-2-colons"] = 200,
    };

    [Fact]
    public void Every_indexed_file_has_an_expected_response()
    {
        foreach (var e in CorpusFiles.All())
        {
            Assert.True(Expected.ContainsKey(e.ToString()), e.ToString());
        }
    }

    [Theory]
    [MemberData(nameof(CorpusFiles.Names), MemberType = typeof(CorpusFiles))]
    public async Task Running_stack_answers_each_corpus_message_as_the_index_says(string name)
    {
        var entry = CorpusFiles.Get(name);
        await using var ep = TestSupport.StartEndpoint();
        ep.IncomingCallHandler = call =>
        {
            call.Reject(486);
            return Task.CompletedTask;
        };
        using var peer = new TestSupport.UdpPeer();
        await peer.SendAsync(entry.Bytes, ep.UdpEndPoint!);
        var expected = Expected[name];
        var response = await peer.ReceiveFinalAsync(TimeSpan.FromMilliseconds(expected is null ? 400 : 3000));
        if (expected is null)
        {
            Assert.Null(response);
            return;
        }
        Assert.NotNull(response);
        Assert.Equal(expected, response!.StatusCode);
        if (!entry.ShouldParse)
        {
            Assert.Contains("399", response.Headers.Get("Warning") ?? "399");
        }
        if (name == "rfc4475/dblreq.dat")
        {
            // The trailing INVITE in the datagram is ignored: nothing else arrives.
            Assert.Null(await peer.ReceiveFinalAsync(TimeSpan.FromMilliseconds(300)));
        }
    }
}
