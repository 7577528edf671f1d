namespace ContactCenter.Sip.Tests.Sipp;

/// <summary>sipp runs are timing-sensitive (T1 = 500 ms): they run one at a time, not beside the other test classes.</summary>
[CollectionDefinition("sipp", DisableParallelization = true)]
public sealed class SippCollection;
