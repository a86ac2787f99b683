using System.Globalization;

namespace Cltool.Core.Adapters.Routed;

/// <summary>
/// C-LoRA's choices (recipe key <c>clora</c>; docs/continual-training.md, "C-LoRA", says where each default comes from). The paper (arXiv
/// 2502.17920) is not public in full; the defaults are the reconstruction of <c>reference/c-lora.md</c> §1.6.
/// </summary>
public sealed record CLoraSettings
{
    public const string QueryValue = "qv", KeyValue = "kv";
    public const string EnergyBasis = "energy", RawBasis = "raw";

    /// <summary>The fused-qkv projections that carry a routed LoRA: qv (SD-LoRA's placement) or kv (InfLoRA's).</summary>
    public string Targets { get; init; } = QueryValue;
    /// <summary>
    /// Q_old of the orthogonality penalty ‖Q_oldᵀ·R_δ‖²_F: energy (R_old's top left singular vectors holding
    /// <see cref="Energy"/> of its squared singular values; invariant to R_old's scale) or raw (R_old itself).
    /// </summary>
    public string Basis { get; init; } = EnergyBasis;
    /// <summary>Share of R_old's Σσ² the energy basis keeps.</summary>
    public double Energy { get; init; } = 0.95;
    /// <summary>λ, the penalty's weight in the loss (0 turns it off).</summary>
    public double Lambda { get; init; } = 0.01;
    /// <summary>
    /// True (C-LoRA, Theorem 3.1's reading): the old route A·R_old·B runs with A and B detached, so gradient reaches the
    /// shared factors only through R_δ. False: the plain A·(R_old + R_δ)·B (the ablation).
    /// </summary>
    public bool StopOldGradient { get; init; } = true;

    /// <summary>The rows of the fused qkv weight each target adapts: 0 (q), 1 (k) or 2 (v), in target order.</summary>
    public int[] RowBlocks => Targets == KeyValue ? [1, 2] : [0, 2];

    /// <summary>The target names in order ("q", "v" or "k", "v"), as checkpoint tensor names spell them.</summary>
    public string[] TargetNames => Targets.Select(c => c.ToString()).ToArray();

    /// <summary>What differs from the defaults, e.g. " (λ 0, plain)"; empty for the defaults.</summary>
    public string Variant()
    {
        var defaults = new CLoraSettings();
        var parts = new List<string>();
        if (Targets != defaults.Targets) parts.Add(Targets);
        if (Basis != defaults.Basis) parts.Add($"{Basis} basis");
        if (Energy != defaults.Energy) parts.Add($"ε {Energy.ToString(CultureInfo.InvariantCulture)}");
        if (Lambda != defaults.Lambda) parts.Add($"λ {Lambda.ToString(CultureInfo.InvariantCulture)}");
        if (!StopOldGradient) parts.Add("plain");
        return parts.Count == 0 ? "" : $" ({string.Join(", ", parts)})";
    }

    /// <summary>Every value checked; the message of the first that is wrong, or null.</summary>
    public string? Problem() =>
        Targets is not (QueryValue or KeyValue) ? $"clora.targets '{Targets}' is not one of {QueryValue}, {KeyValue}"
        : Basis is not (EnergyBasis or RawBasis) ? $"clora.basis '{Basis}' is not one of {EnergyBasis}, {RawBasis}"
        : Energy is not (> 0 and <= 1) ? $"clora.energy must be in (0, 1] (the share of R_old's squared singular values kept), got {Energy}"
        : !(Lambda >= 0 && double.IsFinite(Lambda)) ? $"clora.lambda must be a number ≥ 0 (the orthogonality penalty's weight), got {Lambda}"
        : null;
}
