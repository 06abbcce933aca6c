// One Coyote engine at a time: its controlled-lock table is process-wide, so two engines touching the same static
// lock object (the library's metrics registry) would see each other's locks and report a false bug.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
