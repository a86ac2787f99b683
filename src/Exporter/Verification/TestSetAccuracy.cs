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
        (int[] predicted, int[] truth) = Predict(modelPath, checkpoint, workers);
        long correct = predicted.Zip(truth).Count(p => p.First == p.Second);
        long trainerCorrect = checkpoint.Metrics?.Correct.Sum(afterTask => afterTask[checkpoint.Task]) ?? -1;   // [group][after task]
        return new TestSetAccuracy(correct, truth.Length, trainerCorrect);
    }

    /// <summary>The model's top-1 class position for every test image of the stage, and the true positions, in one fixed order.</summary>
    public static (int[] Predicted, int[] Truth) Predict(string modelPath, ContinualCheckpoint checkpoint, int workers = 2)
    {
        TrainRecipe recipe = checkpoint.Recipe;
        IImageDataset test = DatasetCatalog.Open(recipe.Data, DatasetSplit.Test);
        Scenario scenario = checkpoint.Scenario;
        int seen = checkpoint.SeenClasses;
        int[] indices = ScenarioImages.Of(ScenarioImages.ByPosition(test, scenario, recipe.TestPerClass), 0, seen);
        int[] position = scenario.PositionOfLabel();
        var loader = new BatchLoader(test, indices, (image, _) => Transforms.Eval(image, checkpoint.Preprocessing), 64, workers);

        using var runner = new OnnxRunner(modelPath);
        var predicted = new List<int>(indices.Length);
        var truth = new List<int>(indices.Length);
        foreach (Batch batch in loader.Epoch(seed: 0, epoch: 0, shuffle: false, dropLast: false))
        {
            float[] logits = runner.Logits(batch.Images, batch.Count);
            for (int i = 0; i < batch.Count; i++)
            {
                predicted.Add(Logits.ArgMax(logits.AsSpan(i * seen, seen)));
                truth.Add(position[batch.Labels[i]]);
            }
        }
        return (predicted.ToArray(), truth.ToArray());
    }
}
