// libtorch's default random generator is process-global: tests that seed it (torch.random.manual_seed) and tests that
// build models (whose initialisation draws from it) would interleave if classes ran in parallel. Both cores go to
// libtorch anyway, so running the classes one after another costs little.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
