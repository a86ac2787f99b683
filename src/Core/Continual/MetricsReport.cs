using Cltool.Core.Adapters.Directions;
using Cltool.Core.Adapters.Subspace;
using Cltool.Core.Models;

namespace Cltool.Core.Continual;

/// <summary>
/// metrics.json: the headline numbers and the matrix they come from (accuracies in [0, 1]). <see cref="TaskAware"/> is a
/// diagnostic: the same test images scored with the task id given (argmax over their own task's classes only), which
/// separates what a representation forgot from how the head ranks old against new classes; <see cref="TaskId"/> counts how
/// often the argmax falls among the image's own task's classes; <see cref="WhenLearned"/> is the matrix's diagonal.
/// A run's report also names its head alignment and the other head options it scored on the same backbone
/// (<see cref="Alternatives"/>); each option's report gives the class statistics it needs stored and its seconds of alignment.
/// </summary>
public sealed record MetricsReport(
    double Acc, double Aaa, double Forgetting, double[] AccuracyAfterTask, double?[][] Matrix, long[][] Correct, long[][] Total,
    MetricsReport? TaskAware = null, MetricsReport? TaskId = null, double[]? WhenLearned = null)
{
    public string? HeadAlign { get; init; }
    public IReadOnlyDictionary<string, MetricsReport>? Alternatives { get; init; }
    public long StatisticsBytes { get; init; }
    public double HeadAlignSeconds { get; init; }
    /// <summary>Adapter numbers stored after the last evaluated task: LoRA factors, magnitudes and non-zero KD offsets.</summary>
    public long AdapterParameters { get; init; }
    /// <summary>SD-LoRA-KD's absorption after each task from the second on; null for every other method.</summary>
    public AbsorptionReport[]? Absorptions { get; init; }
    /// <summary>InfLoRA's stored subspace after each task; null for every other method.</summary>
    public SubspaceReport[]? Subspaces { get; init; }
    /// <summary>Per task trained so far: training seconds and parameters by group (null for runs made before cltool recorded them).</summary>
    public TaskCost[]? Costs { get; init; }

    /// <summary>A run's metrics.json.</summary>
    public static MetricsReport Read(string path) => CltoolJson.Deserialize<MetricsReport>(File.ReadAllText(path), $"'{path}'");
}
