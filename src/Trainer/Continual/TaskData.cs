using Cltool.Core.Continual;
using Cltool.Core.Data;
using Cltool.Core.Imaging;
using Cltool.Trainer.Continual.Heads;
using Cltool.Trainer.Models;
using static TorchSharp.torch;

namespace Cltool.Trainer.Continual;

/// <summary>
/// The run's data seen through the scenario: each task's training images, the test images of the classes seen so far
/// (both optionally capped per class, first images in dataset order), labels as class-order positions, and evaluation.
/// </summary>
public sealed class TaskData
{
    readonly TrainRecipe _recipe;
    readonly IImageDataset _train, _test;
    readonly Preprocessing _preprocessing;
    readonly int _workers;
    readonly int[] _position;
    readonly List<int>[] _trainByPosition, _testByPosition;

    public TaskData(TrainRecipe recipe, Scenario scenario, IImageDataset train, IImageDataset test, Preprocessing preprocessing, int workers)
    {
        (_recipe, Scenario, _train, _test, _preprocessing, _workers) = (recipe, scenario, train, test, preprocessing, workers);
        if (test.ClassNames.Count != train.ClassNames.Count)
            throw new Core.Errors.CltoolException($"'{recipe.Data}': the test split has {test.ClassNames.Count} classes, the train split {train.ClassNames.Count}.");
        _position = scenario.PositionOfLabel();
        _trainByPosition = ScenarioImages.ByPosition(train, scenario, recipe.TrainPerClass);
        _testByPosition = ScenarioImages.ByPosition(test, scenario, recipe.TestPerClass);
        int empty = Array.FindIndex(_trainByPosition, list => list.Count == 0);
        if (empty >= 0)
            throw new Core.Errors.CltoolException($"'{recipe.Data}': class '{ClassNames[scenario.Order[empty]]}' has no training images.");
    }

    public Scenario Scenario { get; }
    public IReadOnlyList<string> ClassNames => _train.ClassNames;
    public int ImageSize => _preprocessing.ImageSize;

    public IEnumerable<string> ClassNamesOf(int task) =>
        Scenario.Order.Skip(Scenario.KnownBefore(task)).Take(Scenario.TaskSizes[task]).Select(label => ClassNames[label]);

    public BatchLoader TrainLoader(int task)
    {
        var augmentation = new Augmentation(_recipe.MinCropScale, Flip: _recipe.Flip);
        return new BatchLoader(_train, ScenarioImages.Of(_trainByPosition, Scenario.KnownBefore(task), Scenario.SeenAfter(task)),
            (image, random) => Transforms.Train(image, _preprocessing, augmentation, _train.FlipInvariant, random), _recipe.BatchSize, _workers);
    }

    /// <summary>The class-order positions of a batch's labels, minus <paramref name="offset"/>.</summary>
    public long[] PositionsOf(Batch batch, int offset) => batch.Labels.Select(label => (long)(_position[label] - offset)).ToArray();

    /// <summary>
    /// Scores every head in <paramref name="heads"/> (on the model's device) on the test images of the classes seen after
    /// <paramref name="task"/>, from one backbone pass: per task's classes, correct with the argmax over all seen classes,
    /// within the image's own task's classes, and argmax inside the own task at all.
    /// </summary>
    public TaskCounts[] Evaluate(int task, ContinualModel model, IReadOnlyList<(Tensor Weight, Tensor Bias)> heads, Device device)
    {
        TaskCounts[] counts = heads.Select(_ => TaskCounts.Empty(task + 1)).ToArray();
        foreach ((Batch batch, Tensor features) in Forward(TestLoader(0, Scenario.SeenAfter(task)), model, device, features: true))
        {
            using (features)
            using (NewDisposeScope())
            {
                long[] actual = PositionsOf(batch, 0);
                for (int h = 0; h < heads.Count; h++)
                    Count(nn.functional.linear(features, heads[h].Weight, heads[h].Bias).cpu().data<float>().ToArray(), actual, counts[h]);
            }
        }
        return counts;
    }

    /// <summary>The model's own head scored as <see cref="Evaluate(int, ContinualModel, IReadOnlyList{ValueTuple{Tensor, Tensor}}, Device)"/> does.</summary>
    public TaskCounts Evaluate(int task, ContinualModel model, Device device) => Evaluate(task, model, [(model.HeadWeight, model.HeadBias)], device)[0];

    void Count(float[] scores, long[] actual, TaskCounts counts)
    {
        int seen = scores.Length / actual.Length;
        for (int i = 0; i < actual.Length; i++)
        {
            int group = Scenario.TaskOfPosition((int)actual[i]), first = Scenario.KnownBefore(group), size = Scenario.TaskSizes[group];
            ReadOnlySpan<float> row = scores.AsSpan(i * seen, seen);
            int predicted = Logits.ArgMax(row);
            counts.Total[group]++;
            if (predicted == actual[i]) counts.Correct[group]++;
            if (predicted >= first && predicted < first + size) counts.CorrectTask[group]++;
            if (Logits.ArgMax(row.Slice(first, size)) + first == actual[i]) counts.CorrectWithinTask[group]++;
        }
    }

    /// <summary>The mean class-token feature of each of the task's classes over its training images [classes, dim] (float32, CPU).</summary>
    public Tensor ClassMeans(int task, ContinualModel model, Device device)
    {
        (Tensor features, long[] positions) = ClassFeatures(task, model, device);
        using (features) return FeatureStatistics.Means(features, positions, Scenario.TaskSizes[task]);
    }

    /// <summary>
    /// The class-token feature (the head's input) of every training image of the task's classes, evaluation transform:
    /// [images, dim] on the CPU in float64, with each image's position within the task.
    /// </summary>
    public (Tensor Features, long[] Positions) ClassFeatures(int task, ContinualModel model, Device device)
    {
        int known = Scenario.KnownBefore(task), fresh = Scenario.TaskSizes[task];
        var loader = new BatchLoader(_train, ScenarioImages.Of(_trainByPosition, known, known + fresh),
            (image, _) => Transforms.Eval(image, _preprocessing), 256, _workers);
        var features = new List<Tensor>();
        var positions = new List<long>();
        foreach ((Batch batch, Tensor output) in Forward(loader, model, device, features: true))
        {
            using (output) features.Add(output.to(float64).cpu());
            positions.AddRange(PositionsOf(batch, known));
        }
        Tensor all = cat(features, 0);
        foreach (Tensor part in features) part.Dispose();
        return (all, positions.ToArray());
    }

    /// <summary>
    /// Runs the task's training images through the model once without gradient (evaluation mode), with the training
    /// augmentation drawn for (<paramref name="seed"/>, <paramref name="pass"/>): for adapters that measure their own inputs
    /// (InfLoRA, whose official code measures them on augmented training images).
    /// </summary>
    public void ForwardTrainingImages(int task, ContinualModel model, Device device, int seed, int pass)
    {
        foreach ((Batch _, Tensor features) in Forward(TrainLoader(task), model, device, features: true, seed, pass)) features.Dispose();
    }

    /// <summary>Up to <paramref name="count"/> test images, one per class in class order, then the next of each: pixels and dataset indices.</summary>
    public (float[] Pixels, int[] Indices) GoldenImages(int count)
    {
        int longest = _testByPosition.Max(list => list.Count);
        int[] indices = Enumerable.Range(0, longest)
            .SelectMany(round => _testByPosition.Where(list => list.Count > round).Select(list => list[round])).Take(count).ToArray();
        float[] pixels = indices.SelectMany(index => Transforms.Eval(_test.Load(index), _preprocessing)).ToArray();
        return (pixels, indices);
    }

    BatchLoader TestLoader(int firstPosition, int endPosition) =>
        new(_test, ScenarioImages.Of(_testByPosition, firstPosition, endPosition), (image, _) => Transforms.Eval(image, _preprocessing), 256, _workers);

    IEnumerable<(Batch Batch, Tensor Output)> Forward(BatchLoader loader, ContinualModel model, Device device, bool features = false,
                                                      int seed = 0, int epoch = 0)
    {
        model.Eval();
        foreach (Batch batch in loader.Epoch(seed, epoch, shuffle: false, dropLast: false))
        {
            Tensor output;
            using (no_grad())
            using (var scope = NewDisposeScope())
            {
                Tensor pixels = batch.Pixels(ImageSize, device);
                output = (features ? model.Features(pixels) : model.Forward(pixels)).MoveToOuterDisposeScope();
            }
            yield return (batch, output);
        }
    }
}
