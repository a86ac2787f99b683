using Cltool.Core.Continual;

namespace Cltool.Core.Adapters.Subspace;

/// <summary>
/// InfLoRA after one task (metrics.json <c>subspaces</c>): the threshold ε of the update, each adapted block's stored
/// subspace size out of <see cref="Dim"/>, and the rows the task's design found room for in each block (the recipe's
/// rank unless the free space was smaller).
/// </summary>
public sealed record SubspaceReport(int Task, double Threshold, int Dim, int[] Sizes, int[] DesignedRanks) : IMethodReport
{
    /// <summary>The float64 bytes the subspace takes in a checkpoint.</summary>
    public long Bytes => sizeof(double) * (long)Dim * Sizes.Sum();

    public string Describe() =>
        $"inflora: after task {Task + 1} (ε {Threshold:F4}) the stored subspace holds {string.Join(" ", Sizes)} of {Dim} dimensions per block" +
        (DesignedRanks.Distinct().Count() == 1 ? "" : $"; the task's design had room for {string.Join(" ", DesignedRanks)} rows");
}
