namespace Cltool.Cli.Commands;

/// <summary>What one `bench stress` run saw: every path's rounds, its faults and silent mismatches, and processes that died.</summary>
public sealed record StressResult(int Processes, int Seconds, IReadOnlyDictionary<string, int> RoundsByPath, IReadOnlyList<string> Failures, IReadOnlyList<string> DeadProcesses)
{
    public bool Clean => Failures.Count == 0 && DeadProcesses.Count == 0;
}
