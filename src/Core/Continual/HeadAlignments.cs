namespace Cltool.Core.Continual;

/// <summary>
/// How the linear head is calibrated across tasks after each task. Every option keeps the deployed model one ViT plus one
/// linear layer, so the exported graph is the same whatever is chosen (../shared/reference/head-alignment.md).
/// </summary>
public static class HeadAlignments
{
    /// <summary>The head as the masked cross-entropy left it (the official SD-LoRA code).</summary>
    public const string None = "none";
    /// <summary>Weight aligning (PyCIL's WA): the new rows rescaled to the old rows' mean norm.</summary>
    public const string WeightAlign = "wa";
    /// <summary>Classifier alignment (SLCA) on features sampled from stored class Gaussians; the next task keeps the aligned head.</summary>
    public const string ClassifierAlign = "ca";
    /// <summary>Classifier alignment as SLCA publishes it: the next task starts from the head before alignment.</summary>
    public const string ClassifierAlignRestored = "ca-restore";

    public static readonly string[] All = [None, WeightAlign, ClassifierAlign, ClassifierAlignRestored];

    public static bool NeedsStatistics(string option) => AlignmentOf(option) is ClassifierAlign or ClassifierAlignRestored;

    /// <summary>The option whose head the next task's old rows come from: SLCA's restore carries the unaligned head.</summary>
    public static string CarriedFrom(string option) => AlignmentOf(option) == ClassifierAlignRestored ? None : option;

    /// <summary>
    /// The option that aligns with <paramref name="alignment"/> on statistics moved by <paramref name="compensation"/>
    /// (<see cref="DriftCompensations"/>): "ca+linear"; with none, the alignment's own name.
    /// </summary>
    public static string Compensated(string alignment, string compensation) =>
        compensation == DriftCompensations.None ? alignment : $"{alignment}+{compensation}";

    /// <summary>The alignment of an option: "ca" for "ca+linear".</summary>
    public static string AlignmentOf(string option) => option.Split('+')[0];

    /// <summary>The compensation of an option's statistics: "linear" for "ca+linear", none for "ca".</summary>
    public static string CompensationOf(string option) => option.Contains('+') ? option[(option.IndexOf('+') + 1)..] : DriftCompensations.None;
}
