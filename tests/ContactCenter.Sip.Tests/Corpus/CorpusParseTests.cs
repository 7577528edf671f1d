using ContactCenter.Sip.Message;

namespace ContactCenter.Sip.Tests.Corpus;

public class CorpusParseTests
{
    [Fact]
    public void Every_dat_file_of_rfc4475_is_listed_in_the_index_or_is_test_dat()
    {
        var listed = CorpusFiles.All().Where(e => e.Corpus == "rfc4475").Select(e => e.File).ToHashSet();
        var files = Directory.GetFiles(Path.Combine(CorpusFiles.Root, "rfc4475"), "*.dat").Select(Path.GetFileName).ToList();
        Assert.Equal(50, files.Count);
        Assert.All(files, f => Assert.True(listed.Contains(f!) || f == "test.dat", f));
        Assert.Equal(12, CorpusFiles.All().Count(e => e.Corpus == "rfc5118"));
    }

    [Theory]
    [MemberData(nameof(CorpusFiles.Names), MemberType = typeof(CorpusFiles))]
    public void Datagram_parse_gives_the_index_verdict(string name)
    {
        var entry = CorpusFiles.Get(name);
        var result = SipParser.ParseDatagram(entry.Bytes);
        if (entry.ShouldParse)
        {
            Assert.True(result.IsSuccess, $"{name} ({entry.Verdict}) failed: {result.Error}");
            Assert.NotNull(result.Message);
        }
        else
        {
            Assert.False(result.IsSuccess, $"{name} ({entry.Verdict}) parsed but must be rejected");
            Assert.False(string.IsNullOrWhiteSpace(result.Error!.Description));
        }
    }

    [Theory]
    [MemberData(nameof(CorpusFiles.Names), MemberType = typeof(CorpusFiles))]
    public void Valid_messages_survive_serialise_and_reparse(string name)
    {
        var entry = CorpusFiles.Get(name);
        var first = SipParser.ParseDatagram(entry.Bytes);
        if (!first.IsSuccess)
        {
            return;
        }
        var again = SipParser.ParseDatagram(first.Message!.ToBytes());
        Assert.True(again.IsSuccess, again.Error?.ToString());
        var a = first.Message!;
        var b = again.Message!;
        Assert.Equal(a.CallId, b.CallId);
        Assert.Equal(a.CSeq, b.CSeq);
        Assert.Equal(a.Vias.Count, b.Vias.Count);
        Assert.Equal(a.Headers.Count - a.Headers.CountOf(SipHeaderId.ContentLength), b.Headers.Count - 1);
        Assert.Equal(a.Body.ToArray(), b.Body.ToArray());
    }

    [Fact]
    public void Test_dat_without_verdict_yields_a_result_not_an_exception()
    {
        var bytes = File.ReadAllBytes(Path.Combine(CorpusFiles.Root, "rfc4475", "test.dat"));
        var r = SipParser.ParseDatagram(bytes);
        Assert.True(r.IsSuccess || r.Error is not null);
    }
}
