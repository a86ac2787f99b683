namespace Cltool.Core.Reports;

/// <summary>
/// One method with one head option on one dataset, over seeds: the scores, the accuracy on all seen classes after each
/// task, the storage of head statistics and adapter (mean adapter numbers stored after the last task; 0 for runs made
/// before cltool counted them), the training seconds summed over tasks (NaN for runs made before cltool timed them), and
/// for SD-LoRA-KD its τ and the fraction of modules absorbed over all its absorb steps, for InfLoRA its stored subspace.
/// </summary>
public sealed record MethodTableRow(
    string Data, string Method, string Head, int[] Seeds, SeedSpread Acc, SeedSpread Aaa, SeedSpread Forgetting, SeedSpread WhenLearned,
    SeedSpread TaskAwareAcc, SeedSpread TaskIdAcc, long StatisticsBytes, SeedSpread AlignSeconds,
    double AdapterParameters = 0, double? KdThreshold = null, double? AbsorbedFraction = null)
{
    public SeedSpread[] AfterTask { get; init; } = [];
    public SeedSpread? TrainingSeconds { get; init; }
    /// <summary>InfLoRA: the stored subspace after the last task (the blocks' smallest and largest size, of the width) and its bytes, mean over seeds.</summary>
    public (int Smallest, int Largest, int Dim, double Bytes)? Subspace { get; init; }
    /// <summary>True for the row of the runs' own head option (the others are scored on the same backbone).</summary>
    public bool OwnHead { get; init; }
}
