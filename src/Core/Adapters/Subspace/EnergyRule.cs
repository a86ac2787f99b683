namespace Cltool.Core.Adapters.Subspace;

/// <summary>
/// How many directions the stored subspace gains after a task (reference/inflora.md §2.3, the official update_DualGPM,
/// remove mode), counting energy as the code does: the squares of the singular values of the inputs' second-moment
/// matrix C (σ⁴ of the raw token matrix), against a threshold ε tuned on that measure.
/// </summary>
public static class EnergyRule
{
    /// <summary>
    /// The first task: the leading directions whose cumulative share of Σ S² stays strictly below ε (the crossing one is
    /// not kept), at least one. <paramref name="singularValues"/> in descending order.
    /// </summary>
    public static int FirstTask(IReadOnlyList<double> singularValues, double threshold)
    {
        double total = singularValues.Sum(s => s * s), cumulative = 0;
        int kept = 0;
        foreach (double s in singularValues)
        {
            cumulative += s * s / total;
            if (cumulative >= threshold) break;
            kept++;
        }
        return Math.Max(kept, 1);
    }

    /// <summary>
    /// A later task: with <paramref name="total"/> = ‖C‖²_F and <paramref name="residual"/> = ‖(I − MMᵀ)C‖²_F, the
    /// subspace already holds (total − residual)/total; the residual's leading directions are added, each worth S²/total,
    /// until the share is at least ε (the crossing one is kept). <paramref name="residualSingularValues"/> descending.
    /// </summary>
    public static int LaterTask(double total, double residual, IReadOnlyList<double> residualSingularValues, double threshold)
    {
        double held = (total - residual) / total;
        int added = 0;
        while (held < threshold && added < residualSingularValues.Count)
        {
            held += residualSingularValues[added] * residualSingularValues[added] / total;
            added++;
        }
        return added;
    }
}
