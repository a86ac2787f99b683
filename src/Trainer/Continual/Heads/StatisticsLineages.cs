using Cltool.Core.Continual;

namespace Cltool.Trainer.Continual.Heads;

/// <summary>
/// The class statistics classifier alignment samples, for every compensation a run scores: as measured (what
/// <c>statistics/task-NN.safetensors</c> holds), and for each compensation the same statistics moved by every later task's
/// drift, composed task after task. Only the measured statistics and the embeddings are stored; the compensated ones
/// are replayed from them on --resume and by eval --drift, by the same code the run used.
/// </summary>
public sealed class StatisticsLineages
{
    readonly Dictionary<string, List<ClassStatistics>> _byCompensation;
    readonly double _bandwidth, _ridge;

    public StatisticsLineages(IEnumerable<string> compensations, double bandwidth, double ridge) =>
        (_byCompensation, _bandwidth, _ridge) = (compensations.Distinct().ToDictionary(c => c, _ => new List<ClassStatistics>()), bandwidth, ridge);

    /// <summary>The compensations of <paramref name="recipe"/>'s run: none only, or every one when it compensates.</summary>
    public static StatisticsLineages Of(TrainRecipe recipe, double? bandwidth = null, double? ridge = null) =>
        new(recipe.CompensatesDrift ? DriftCompensations.All : [DriftCompensations.None],
            bandwidth ?? recipe.EffectiveCompensationBandwidth, ridge ?? recipe.EffectiveCompensationRidge);

    /// <summary>The statistics of the first <paramref name="tasks"/> tasks read from <paramref name="run"/>, the compensations replayed.</summary>
    public static StatisticsLineages Load(RunDirectory run, TrainRecipe recipe, int tasks, double? bandwidth = null, double? ridge = null)
    {
        StatisticsLineages lineages = Of(recipe, bandwidth, ridge);
        for (int task = 0; task < tasks; task++)
        {
            ClassStatistics measured = ClassStatistics.Load(run.Statistics(task), recipe, task);
            (TaskEmbeddings, TaskEmbeddings)? drift = lineages.Compensates && task > 0
                ? (TaskEmbeddings.Load(run, recipe, task, TaskEmbeddings.Before), TaskEmbeddings.Load(run, recipe, task, TaskEmbeddings.After))
                : null;
            lineages.Add(measured, drift);
        }
        return lineages;
    }

    public IReadOnlyList<string> Compensations => _byCompensation.Keys.ToArray();
    bool Compensates => _byCompensation.Count > 1;

    /// <summary>Tasks 0..t's statistics as <paramref name="compensation"/> has moved them by the end of the last added task.</summary>
    public IReadOnlyList<ClassStatistics> For(string compensation) => _byCompensation[compensation];

    /// <summary>The bytes of the measured statistics (what the run stores for them, embeddings aside).</summary>
    public long Bytes => For(DriftCompensations.None).Sum(s => s.Bytes);

    /// <summary>
    /// Adds a task's measured statistics after moving every earlier task's by the task's drift (its embeddings before and
    /// after it trained; none for the first task or a run that does not compensate).
    /// </summary>
    public void Add(ClassStatistics measured, (TaskEmbeddings Before, TaskEmbeddings After)? drift)
    {
        foreach ((string compensation, List<ClassStatistics> statistics) in _byCompensation)
        {
            if (compensation != DriftCompensations.None && statistics.Count > 0)
            {
                (TaskEmbeddings before, TaskEmbeddings after) = drift
                    ?? throw new InvalidOperationException($"task {measured.Task + 1} has no embeddings to estimate its drift from");
                ClassStatistics[] moved = DriftCompensation.Move(compensation, statistics, before, after, _bandwidth, _ridge);
                statistics.Clear();
                statistics.AddRange(moved);
            }
            statistics.Add(measured);
        }
    }
}
