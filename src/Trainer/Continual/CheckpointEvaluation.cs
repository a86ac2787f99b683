using Cltool.Core.Continual;
using Cltool.Core.Data;
using Cltool.Core.Errors;
using static TorchSharp.torch;

namespace Cltool.Trainer.Continual;

public static class CheckpointEvaluation
{
    /// <summary>
    /// Evaluates a checkpoint on <paramref name="dataSpec"/> (default: the run's own data) over the classes it has seen.
    /// The dataset must have the checkpoint's classes, by name and in label order.
    /// </summary>
    public static StageAccuracy Run(string checkpointPath, string? dataSpec, int? testPerClass, int workers, Device device)
    {
        ContinualCheckpoint checkpoint = ContinualCheckpoint.Load(checkpointPath);
        string data = dataSpec ?? checkpoint.Recipe.Data;
        IImageDataset test = DatasetCatalog.Open(data, DatasetSplit.Test);
        if (!test.ClassNames.SequenceEqual(checkpoint.ClassNames))
            throw new CltoolException($"Dataset '{data}' has the classes [{string.Join(", ", test.ClassNames)}]; the checkpoint was trained on " +
                                      $"[{string.Join(", ", checkpoint.ClassNames)}] (same names in the same label order expected).");
        TrainRecipe recipe = checkpoint.Recipe with { Data = data, TestPerClass = testPerClass ?? checkpoint.Recipe.TestPerClass };
        var taskData = new TaskData(recipe, checkpoint.Scenario, test, test, checkpoint.Preprocessing, workers);
        using ContinualModel model = ContinualModel.FromCheckpoint(checkpoint, device);
        TaskCounts counts = taskData.Evaluate(checkpoint.Task, model, device);
        return new StageAccuracy(checkpointPath, data, checkpoint.Task, checkpoint.SeenClasses, counts.Correct, counts.Total);
    }
}
