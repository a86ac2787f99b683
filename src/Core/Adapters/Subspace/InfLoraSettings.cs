using System.Globalization;

namespace Cltool.Core.Adapters.Subspace;

/// <summary>
/// InfLoRA's choices (recipe key <c>inflora</c>; reference/inflora.md, docs/continual-training.md "InfLoRA"). The energy
/// threshold of the stored subspace grows linearly from <see cref="Threshold"/> after the first task towards
/// <see cref="ThresholdEnd"/> (the official code's λ_b → λ_e = 1 over the run's tasks).
/// </summary>
public sealed record InfLoraSettings
{
    /// <summary>The adapted blocks: the first <c>Blocks</c> (InfLoRA-b5 is 5); null adapts every block (InfLoRA).</summary>
    public int? Blocks { get; init; }
    /// <summary>λ_b: the share of the inputs' energy (σ² of their second-moment matrix, as the code) the subspace holds after the first task.</summary>
    public double Threshold { get; init; } = 0.95;
    /// <summary>λ_e: the threshold the schedule reaches after the last task (the code's 1.0).</summary>
    public double ThresholdEnd { get; init; } = 1.0;

    /// <summary>The number of blocks a ViT of <paramref name="depth"/> blocks adapts.</summary>
    public int AdaptedBlocks(int depth) => Blocks ?? depth;

    /// <summary>ε after the 0-based task <paramref name="task"/> of <paramref name="tasks"/>: λ_b + (λ_e − λ_b)·t/T (the code's schedule).</summary>
    public double ThresholdAfter(int task, int tasks) => Threshold + (ThresholdEnd - Threshold) * task / tasks;

    /// <summary>What differs from the defaults, e.g. " (b5, ε 0.98)"; empty for the defaults.</summary>
    public string Variant()
    {
        var defaults = new InfLoraSettings();
        var parts = new List<string>();
        if (Blocks is int blocks) parts.Add($"b{blocks}");
        if (Threshold != defaults.Threshold) parts.Add($"ε {Threshold.ToString(CultureInfo.InvariantCulture)}");
        if (ThresholdEnd != defaults.ThresholdEnd) parts.Add($"ε_end {ThresholdEnd.ToString(CultureInfo.InvariantCulture)}");
        return parts.Count == 0 ? "" : $" ({string.Join(", ", parts)})";
    }

    /// <summary>Every value checked; the message of the first that is wrong, or null.</summary>
    public string? Problem() =>
        Blocks is <= 0 ? $"inflora.blocks must be a positive number of blocks (the first ones are adapted; null adapts all), got {Blocks}"
        : Threshold is not (> 0 and <= 1) ? $"inflora.threshold must be in (0, 1] (the share of the inputs' energy the stored subspace keeps), got {Threshold}"
        : ThresholdEnd is not (> 0 and <= 1) ? $"inflora.thresholdEnd must be in (0, 1], got {ThresholdEnd}"
        : ThresholdEnd < Threshold ? $"inflora.thresholdEnd {ThresholdEnd} is below inflora.threshold {Threshold}: the threshold schedule must not decrease"
        : null;

    /// <summary>A ViT's width and depth checked against these settings and the recipe's <paramref name="rank"/>; the problem, or null.</summary>
    public string? ProblemFor(int rank, int depth, int dim) =>
        Blocks > depth ? $"inflora.blocks {Blocks} is more than the model's {depth} blocks"
        : rank > dim ? $"rank {rank} is larger than the model's width {dim}: InfLoRA designs rank orthonormal rows of width {dim}"
        : null;
}
