using Cltool.Core.Continual;
using Cltool.Core.Data;
using Cltool.Core.Imaging;
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
    /// Test predictions on each task's classes (rows 0..task): correct with the argmax over all seen classes (class-incremental),
    /// correct with the argmax over the image's own task's classes (task-aware), and the totals.
    /// </summary>
    public (long[] Correct, long[] CorrectWithinTask, long[] Total) Evaluate(int task, ContinualModel model, Device device)
    {
        long[] correct = new long[task + 1], withinTask = new long[task + 1], total = new long[task + 1];
        foreach ((Batch batch, Tensor logits) in Forward(TestLoader(0, Scenario.SeenAfter(task)), model, device))
        {
            using (logits)
            using (NewDisposeScope())
            {
                long[] predicted = logits.argmax(1).cpu().data<long>().ToArray();
                float[] scores = logits.cpu().data<float>().ToArray();
                long[] actual = PositionsOf(batch, 0);
                int seen = (int)logits.shape[1];
                for (int i = 0; i < batch.Count; i++)
                {
                    int group = Scenario.TaskOfPosition((int)actual[i]);
                    total[group]++;
                    if (predicted[i] == actual[i]) correct[group]++;
                    if (Logits.ArgMax(scores.AsSpan(i * seen + Scenario.KnownBefore(group), Scenario.TaskSizes[group])) + Scenario.KnownBefore(group) == actual[i])
                        withinTask[group]++;
                }
            }
        }
        return (correct, withinTask, total);
    }

    /// <summary>Mean class-token feature of each of the task's classes over its training images (eval transform) [n, dim].</summary>
    public Tensor ClassMeans(int task, ContinualModel model, Device device)
    {
        int known = Scenario.KnownBefore(task), fresh = Scenario.TaskSizes[task];
        var loader = new BatchLoader(_train, ScenarioImages.Of(_trainByPosition, known, known + fresh),
            (image, _) => Transforms.Eval(image, _preprocessing), 256, _workers);
        using var scope = NewDisposeScope();
        Tensor sums = zeros([fresh, model.Backbone.Config.Dim], dtype: float64, device: device);
        var counts = new double[fresh];
        foreach ((Batch batch, Tensor features) in Forward(loader, model, device, features: true))
        {
            long[] positions = PositionsOf(batch, known);
            sums.index_add_(0, tensor(positions, device: device), features.to_type(float64), Native.Scalars.One);
            foreach (long position in positions) counts[position]++;
        }
        return sums.div(tensor(counts, device: device).unsqueeze(1)).to_type(float32).MoveToOuterDisposeScope();
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

    IEnumerable<(Batch Batch, Tensor Output)> Forward(BatchLoader loader, ContinualModel model, Device device, bool features = false)
    {
        model.Eval();
        foreach (Batch batch in loader.Epoch(seed: 0, epoch: 0, shuffle: false, dropLast: false))
        {
            Tensor output;
            using (no_grad())
            using (var scope = NewDisposeScope())
            {
                Tensor pixels = tensor(batch.Images, [batch.Count, 3, ImageSize, ImageSize]).to(device);
                output = (features ? model.Features(pixels) : model.Forward(pixels)).MoveToOuterDisposeScope();
            }
            yield return (batch, output);
        }
    }
}
