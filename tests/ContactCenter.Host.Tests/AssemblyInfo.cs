// Each test here runs a whole host process; run them one at a time so that hosts sharing the
// test broker never compete for each other's messages, and timings stay honest on two cores.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
