namespace Cltool.Cli.Benchmarks;

/// <summary>One speed target, what the benchmark measured, and the verdict.</summary>
public sealed record TargetCheck(string Target, string Measured, string Verdict);
