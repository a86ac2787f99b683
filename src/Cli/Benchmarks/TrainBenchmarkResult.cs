namespace Cltool.Cli.Benchmarks;

/// <summary>Everything `bench train` measured: rows, the per-round cost of 20 directions against 1, and the profile at 5.</summary>
public sealed record TrainBenchmarkResult(IReadOnlyList<StepRow> Rows, RoundSpread DirectionCost, StepProfile Profile, int Rounds, double CpuShare, double? OthersShare,
                                          double? PeakResidentMegabytes);
