namespace Cltool.Trainer.Tests;

/// <summary>The 100-task test measures the process's memory and step speed, so no other test of the assembly runs beside it.</summary>
[CollectionDefinition(nameof(ManyTasksTests), DisableParallelization = true)]
public sealed class ManyTasksCollection;
