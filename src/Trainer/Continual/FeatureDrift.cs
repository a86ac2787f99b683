using Cltool.Core.Continual;
using Cltool.Core.Data;
using Cltool.Core.Errors;
using Cltool.Trainer.Continual.Heads;
using Cltool.Trainer.Models;
using static TorchSharp.torch;

namespace Cltool.Trainer.Continual;

/// <summary>
/// Whether a run's features stayed where classifier alignment believes they are. ca and ca-restore store each task's
/// class means when the task ends and later sample old classes from them; this measures, at a later stage, the same
/// means on the same training images (evaluation transform, as when they were stored) and compares them with the stored
/// means and, for a run that compensates drift, with every compensation's moved means (replayed from the stored
/// embeddings by the code the run used, optionally with other hyper-parameters: a sweep needs no retraining).
/// </summary>
public static class FeatureDrift
{
    /// <summary>The drift of every task up to the stage after task <paramref name="stage"/> (1-indexed; default the last) of a run directory.</summary>
    public static IReadOnlyList<TaskDrift> Measure(string runDirectory, int? stage, int workers, Device device, double? bandwidth = null, double? ridge = null)
    {
        var run = new RunDirectory(runDirectory);
        if (!File.Exists(run.Statistics(0)))
            throw new CltoolException($"'{runDirectory}' holds no class statistics ('{run.Statistics(0)}' is missing): drift is measured against the " +
                                      "means a run trained with --head-align ca or ca-restore stores after every task.");
        ContinualCheckpoint checkpoint = ContinualCheckpoint.Load(RunDirectory.ResolveCheckpoint(runDirectory, stage));
        StatisticsLineages statistics = StatisticsLineages.Load(run, checkpoint.Recipe, checkpoint.Task + 1, bandwidth, ridge);
        IImageDataset train = DatasetCatalog.Open(checkpoint.Recipe.Data, DatasetSplit.Train);
        var data = new TaskData(checkpoint.Recipe, checkpoint.Scenario, train, train, checkpoint.Preprocessing, workers);
        using ContinualModel model = ContinualModel.FromCheckpoint(checkpoint, device);
        return Enumerable.Range(0, checkpoint.Task + 1).Select(task => Of(task, statistics, model, data, device)).ToList();
    }

    static TaskDrift Of(int task, StatisticsLineages statistics, ContinualModel model, TaskData data, Device device)
    {
        using var scope = NewDisposeScope();
        Tensor now = data.ClassMeans(task, model, device).to(float64);
        Tensor then = HostTensors.Wide(statistics.For(DriftCompensations.None)[task].Means);
        double[] relative = now.sub(then).norm(1).div(then.norm(1)).data<double>().ToArray();
        double[] cosine = nn.functional.cosine_similarity(now, then, dim: 1).data<double>().ToArray();
        Dictionary<string, double[]> errors = statistics.Compensations.ToDictionary(c => c,
            c => now.sub(HostTensors.Wide(statistics.For(c)[task].Means)).norm(1).div(now.norm(1)).data<double>().ToArray());
        return new TaskDrift(task, relative, cosine, errors);
    }
}
