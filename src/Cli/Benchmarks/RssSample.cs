namespace Cltool.Cli.Benchmarks;

/// <summary>One sample of a process's resident memory.</summary>
public sealed record RssSample(double Seconds, long Bytes);
