using Cltool.Core.Continual;
using Cltool.Core.Data;
using Cltool.Core.Imaging;

namespace Cltool.Exporter.Verification;

/// <summary>An exported model's class-incremental accuracy on the test images the trainer evaluated that stage on.</summary>
public sealed record TestSetAccuracy(long Correct, long Total, long TrainerCorrect)
{
    public double Accuracy => (double)Correct / Total;
    public double TrainerAccuracy => (double)TrainerCorrect / Total;
    public bool MatchesTrainer => Correct == TrainerCorrect;

    /// <summary>Runs <paramref name="modelPath"/> over the run's test split (the classes seen up to the checkpoint's task).</summary>
    public static TestSetAccuracy Measure(string modelPath, ContinualCheckpoint checkpoint, int workers = 2)
    {
        TrainRecipe recipe = checkpoint.Recipe;
        IImageDataset test = DatasetCatalog.Open(recipe.Data, DatasetSplit.Test);
        Scenario scenario = checkpoint.Scenario;
        int seen = checkpoint.SeenClasses;
        int[] indices = ScenarioImages.Of(ScenarioImages.ByPosition(test, scenario, recipe.TestPerClass), 0, seen);
        int[] position = scenario.PositionOfLabel();
        var loader = new BatchLoader(test, indices, (image, _) => Transforms.Eval(image, checkpoint.Preprocessing), 64, workers);

        using var runner = new OnnxRunner(modelPath);
        long correct = 0;
        foreach (Batch batch in loader.Epoch(seed: 0, epoch: 0, shuffle: false, dropLast: false))
        {
            float[] logits = runner.Logits(batch.Images, batch.Count);
            for (int i = 0; i < batch.Count; i++)
                if (Logits.ArgMax(logits.AsSpan(i * seen, seen)) == position[batch.Labels[i]]) correct++;
        }
        long trainerCorrect = checkpoint.Metrics?.Correct.Sum(afterTask => afterTask[checkpoint.Task]) ?? -1;   // [group][after task]
        return new TestSetAccuracy(correct, indices.Length, trainerCorrect);
    }
}
