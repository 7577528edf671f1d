using BenchmarkDotNet.Running;
using ContactCenter.Sip.Benchmarks;

// Modes besides BenchmarkDotNet:
//   uas  [--port 5070] [--address 127.0.0.1]   answer every INVITE with 200 + SDP (RTP socket per call), for sipp -sn uac
//        [--alloc-profile]                     also print the top allocating types every 5 s
//        [--retained]                          full GC before each 5 s report: live heap per live transaction
//   tlsload [--rates 100,200,400] [--seconds 10] [--warmup 5]
//                                               our UAC (INVITE, 200, ACK, BYE, 200) against the uas mode (started as a
//                                               child process) over UDP and over TLS (one connection, like sipp -t l1) at
//                                               each rate, alternating, in one run: calls/s, failures, UAS CPU per call
//                                               (Debian's SIPp is built without OpenSSL, so SIPp cannot do -t l1 here)
//   fuzz [--inputs 1000000] [--corpora DIR]     mutation fuzzer over the torture corpora
//   b2bua --phone HOST:PORT[,HOST:PORT...] [--port 5080] [--seconds 60] [--bridges FILE: one line per bridge, its four RTP ports]
//                                               bridge every INVITE to the phone through the media relay (bench-relay.sh)
return args.Length > 0 && args[0] == "uas" ? await UasMode.RunAsync(args[1..])
    : args.Length > 0 && args[0] == "b2bua" ? await B2buaMode.RunAsync(args[1..])
    : args.Length > 0 && args[0] == "fuzz" ? FuzzMode.Run(args[1..])
    : args.Length > 0 && args[0] == "tlsload" ? await TlsLoadMode.RunAsync(args[1..])
    : RunBenchmarks(args);

static int RunBenchmarks(string[] args)
{
    BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    return 0;
}
